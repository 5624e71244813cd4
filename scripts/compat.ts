// npm run compat [folder] [--no-dry-run] [--only NAME] [--verbose]
//
// Measures how much real Salt umec accepts: for each formula folder under `folder` (default
// ../shared/salt-formulas, see its README), renders and compiles the formula's top SLS with its
// pillar.yaml and the folder's grains.yaml (id box1), scores the plan against Salt's own low data
// (plans/<sls>.json, with plans/plan-compare.mjs) when there is one, then dry-runs it
// (`state apply --local --test`) inside a throwaway root: a private mount namespace whose / is an
// overlay on a tmpfs, so whatever onlyif/unless commands write is gone afterwards. Not part of
// `npm test`: the corpus is not in the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Options { folder: string; dryRun: boolean; only?: string; verbose: boolean }

interface Row {
  formula: string;
  render: 'ok' | 'FAIL';
  warnings: number;
  chunks: number;
  plan: string;
  dryRun: string;
  firstError: string;
  details: string[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'cli', 'bin', 'run.js');

function parseArgs(argv: string[]): Options {
  const o: Options = { folder: resolve(repo, '..', 'shared', 'salt-formulas'), dryRun: true, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--no-dry-run') o.dryRun = false;
    else if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--only') o.only = argv[++i];
    else if (a.startsWith('-')) throw new Error(`compat: unknown option ${a} (usage: npm run compat -- [folder] [--no-dry-run] [--only NAME] [--verbose])`);
    else o.folder = resolve(a);
  }
  return o;
}

/** Formula folders: a directory holding `<name>/init.sls` or `<name>.sls` (its own state root). */
function formulas(folder: string): string[] {
  return readdirSync(folder).filter((n) => {
    const d = join(folder, n);
    return statSync(d).isDirectory() && (existsSync(join(d, n, 'init.sls')) || existsSync(join(d, `${n}.sls`)));
  }).sort();
}

function oneLine(s: string, max = 200): string {
  const l = s.replace(/\s+/g, ' ').trim();
  return l.length > max ? `${l.slice(0, max - 3)}...` : l;
}

/** umec's own error report (`{local: {errors}}`) or the first error line on stderr. */
function firstError(stdout: string, stderr: string): string {
  try {
    const j = JSON.parse(stdout) as { local?: { errors?: { message?: string; file?: string; line?: number }[] } };
    const e = j.local?.errors?.[0];
    if (e) return oneLine(`${e.file ? `${e.file.replace(/^.*\/salt-formulas\//, '')}:${e.line ?? '?'}: ` : ''}${e.message ?? ''}`);
  } catch { /* not JSON */ }
  const line = stderr.split('\n').find((l) => l.trim() && !l.startsWith('Warning:')) ?? stderr;
  return oneLine(line);
}

/** Can this machine give a dry run a throwaway root (root, mount namespaces, overlayfs)? */
function throwawayRootWorks(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for a throwaway root';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs t "$d" && mkdir "$d/u" "$d/w" "$d/m" && mount -t overlay o -o lowerdir=/,upperdir="$d/u",workdir="$d/w" "$d/m" && test -d "$d/m/usr"'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? undefined : `no overlay root here (${oneLine(r.stderr || String(r.error ?? r.status))})`;
}

/** Runs umec in a private mount namespace whose / is an overlay on a tmpfs (writes vanish with it). */
function inThrowawayRoot(args: string[], timeoutMs: number): ReturnType<typeof spawnSync> {
  const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = [
    'set -e', 'd=$(mktemp -d)', 'mount -t tmpfs throwaway "$d"', 'mkdir "$d/u" "$d/w" "$d/m"',
    'mount -t overlay throwaway -o lowerdir=/,upperdir="$d/u",workdir="$d/w" "$d/m"',
    'mount --rbind /proc "$d/m/proc"', 'mount --rbind /dev "$d/m/dev"', 'mount --rbind /sys "$d/m/sys"',
    `exec chroot "$d/m" ${quoted}`,
  ].join('\n');
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
}

function run(o: Options): number {
  if (!existsSync(o.folder)) {
    process.stderr.write(`compat: no formula folder at ${o.folder} (give one: npm run compat -- FOLDER)\n`);
    return 2;
  }
  const grains = join(o.folder, 'grains.yaml');
  const compare = join(o.folder, 'plans', 'plan-compare.mjs');
  const cache = mkdtempSync(join(tmpdir(), 'umec-compat-'));
  const noRoot = o.dryRun ? throwawayRootWorks() : 'skipped (--no-dry-run)';
  const rows: Row[] = [];
  try {
    for (const f of formulas(o.folder).filter((n) => !o.only || n === o.only)) {
      const root = join(o.folder, f);
      const common = [f, '--state-root', root, '--id', 'box1', '--cachedir', cache, '--json',
        ...(existsSync(join(root, 'pillar.yaml')) ? ['--pillar', join(root, 'pillar.yaml')] : []),
        ...(existsSync(grains) ? ['--grains', grains] : [])];
      const row: Row = { formula: f, render: 'FAIL', warnings: 0, chunks: 0, plan: '-', dryRun: '-', firstError: '', details: [] };
      rows.push(row);
      const show = spawnSync(process.execPath, [cli, 'state', 'show', ...common], { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
      row.warnings = (show.stderr ?? '').split('\n').filter((l) => l.startsWith('Warning:')).length;
      let chunks: unknown;
      try { chunks = JSON.parse(show.stdout); } catch { chunks = undefined; }
      if (show.status !== 0 || !Array.isArray(chunks)) {
        row.firstError = firstError(show.stdout ?? '', show.stderr ?? String(show.error ?? ''));
        continue;
      }
      row.render = 'ok';
      row.chunks = chunks.length;
      if (o.verbose) row.details.push(...show.stderr.split('\n').filter((l) => l.startsWith('Warning:')));
      const salt = join(o.folder, 'plans', `${f}.json`);
      if (existsSync(salt) && existsSync(compare)) {
        const mine = join(cache, `${f}.umec.json`);
        writeFileSync(mine, show.stdout);
        const cmp = spawnSync(process.execPath, [compare, '--salt', salt, '--umec', mine], { encoding: 'utf8', timeout: 60_000 });
        const lines = (cmp.stdout ?? '').split('\n');
        const m = /(\d+\/\d+ chunks match.*)$/.exec(lines[0] ?? '');
        row.plan = m ? m[1]!.replace(' chunks match', '') : oneLine(cmp.stderr || lines[0] || 'plan-compare failed');
        if (o.verbose) row.details.push(...lines.slice(1).filter(Boolean));
      } else row.plan = 'no Salt plan';
      if (noRoot) { row.dryRun = noRoot.startsWith('skipped') ? 'skipped' : `skipped: ${noRoot}`; continue; }
      const apply = inThrowawayRoot(['state', 'apply', '--local', '--test', ...common], 600_000);
      let results: Record<string, { result: boolean | null; comment: string; __id__: string }> | undefined;
      try { results = (JSON.parse(String(apply.stdout)) as { local?: typeof results }).local; } catch { results = undefined; }
      if (!results || (results as { errors?: unknown }).errors) {
        row.dryRun = 'FAIL';
        row.firstError ||= `dry run: ${firstError(String(apply.stdout ?? ''), String(apply.stderr ?? apply.error ?? ''))}`;
        continue;
      }
      const all = Object.values(results);
      const failed = all.filter((r) => r.result === false);
      row.dryRun = failed.length ? `FAIL ${failed.length}/${all.length} states` : `ok (${all.length} states)`;
      if (failed.length) row.firstError ||= `dry run: ${failed[0]!.__id__}: ${oneLine(failed[0]!.comment)}`;
      if (o.verbose) for (const r of failed) row.details.push(`dry run failed: ${r.__id__}: ${oneLine(r.comment, 300)}`);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  const w = (s: string, n: number) => s.padEnd(n);
  process.stdout.write(`${w('formula', 11)} ${w('render', 6)} ${w('chunks', 6)} ${w('warn', 4)} ${w('plan vs Salt (matched/Salt)', 72)} dry run\n`);
  for (const r of rows) {
    process.stdout.write(`${w(r.formula, 11)} ${w(r.render, 6)} ${w(String(r.chunks), 6)} ${w(String(r.warnings), 4)} ${w(r.plan, 72)} ${r.dryRun}\n`);
    if (r.firstError) process.stdout.write(`    first error: ${r.firstError}\n`);
    for (const d of r.details) process.stdout.write(`    ${d}\n`);
  }
  const ok = rows.filter((r) => r.render === 'ok').length;
  process.stdout.write(`${ok}/${rows.length} render and compile; ${rows.filter((r) => /^(\d+)\/\1 \(missing 0, extra 0, arg mismatches 0, requisite mismatches 0\)$/.test(r.plan)).length} plans match Salt exactly; ${rows.filter((r) => r.dryRun.startsWith('ok')).length} dry-run without a failed state\n`);
  return 0;
}

try {
  process.exitCode = run(parseArgs(process.argv.slice(2)));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exitCode = 2;
}
