/**
 * `npm run jinja-diff`: pass/fail counts per feature group of the Jinja2 differential corpus.
 *
 *   --nunjucks      judge the old nunjucks renderer (states/render.ts) instead of umec's engine
 *   --failures      list every failing case with what Jinja2 and the renderer gave
 *   --update-known  drop the cases of known-differences.txt that now pass
 *   --add-failing   list the failing cases that are not in known-differences.txt yet (reason:
 *                   what umec gave); only to baseline a new engine merge, never to hide a regression
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeOutcome, matches, readKnown, runOracle, writeKnown, type Oracle, type Outcome } from './corpus.js';
import { loadEngine, renderUmec } from './renderers.js';

const args = new Set(process.argv.slice(2));
const nunjucks = args.has('--nunjucks');

/**
 * Every case through the nunjucks renderer in child processes; a case that runs past
 * `hangMs` is recorded as a hang and the next child starts after it.
 */
function nunjucksOutcomes(oracle: Oracle, hangMs = 10_000): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'umec-jinja-diff-'));
  const dump = join(dir, 'cases.json');
  const parsed = JSON.parse(oracle.raw) as { cases: Record<string, { result: Outcome; files: unknown; options: unknown; context: unknown }> };
  writeFileSync(dump, JSON.stringify(oracle.cases.map((c) => ({ ...c, context: parsed.cases[c.name]!.context }))));
  const worker = fileURLToPath(new URL('./nunjucks-worker.js', import.meta.url));
  const out: Outcome[] = [];
  try {
    while (out.length < oracle.cases.length) {
      const r = spawnSync(process.execPath, [worker, dump, String(out.length)], { encoding: 'utf8', timeout: hangMs, maxBuffer: 256 * 1024 * 1024 });
      const before = out.length;
      for (const line of r.stdout.split('\n')) {
        if (!line) continue;
        const { i, outcome } = JSON.parse(line) as { i: number; outcome: Outcome };
        out[i] = outcome;
      }
      if (out.length < oracle.cases.length) {
        if (r.status === 0 && out.length === before) throw new Error(`nunjucks worker made no progress: ${r.stderr}`);
        if (r.status !== 0 || r.signal) out.push({ crash: r.signal ? `nunjucks did not finish in ${hangMs} ms` : `nunjucks worker died: ${r.stderr.slice(0, 300)}` });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const short = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n)}…` : s);

async function main(): Promise<void> {
  const oracle = runOracle();
  let render: (c: (typeof oracle.cases)[number], i: number) => Outcome;
  let label: string;
  if (nunjucks) {
    const outcomes = nunjucksOutcomes(oracle);
    render = (_c, i) => outcomes[i]!;
    label = 'nunjucks (states/render.ts TemplateRenderer; any error counts for an error case, one final newline ignored)';
  } else {
    const engine = await loadEngine();
    if (typeof engine === 'string') console.log(`note: ${engine}`);
    render = (c) => renderUmec(engine, c);
    label = 'umec states/jinja';
  }
  const groups = new Map<string, { pass: number; fail: number }>();
  const failing: Array<{ name: string; expected: Outcome; got: Outcome }> = [];
  const passing = new Set<string>();
  for (const [i, c] of oracle.cases.entries()) {
    const got = render(c, i);
    const ok = matches(c.expected, got, nunjucks);
    const g = groups.get(c.group) ?? { pass: 0, fail: 0 };
    if (ok) { g.pass++; passing.add(c.name); } else { g.fail++; failing.push({ name: c.name, expected: c.expected, got }); }
    groups.set(c.group, g);
  }
  console.log(`Jinja2 differential corpus: ${oracle.cases.length} cases; oracle Python Jinja2 ${oracle.jinja2}; renderer ${label}\n`);
  const w = Math.max(5, ...[...groups.keys()].map((k) => k.length));
  console.log(`${'group'.padEnd(w)}  cases   pass   fail`);
  let pass = 0, fail = 0;
  for (const [name, g] of [...groups].sort()) {
    console.log(`${name.padEnd(w)}  ${String(g.pass + g.fail).padStart(5)}  ${String(g.pass).padStart(5)}  ${String(g.fail).padStart(5)}`);
    pass += g.pass; fail += g.fail;
  }
  console.log(`${'TOTAL'.padEnd(w)}  ${String(pass + fail).padStart(5)}  ${String(pass).padStart(5)}  ${String(fail).padStart(5)}  (${((100 * pass) / (pass + fail)).toFixed(1)}% pass)`);
  if (args.has('--failures')) {
    console.log('\nfailing cases:');
    for (const f of failing) console.log(`  ${f.name}\n    jinja2: ${short(describeOutcome(f.expected))}\n    got:    ${short(describeOutcome(f.got))}`);
  }
  if (!nunjucks && (args.has('--update-known') || args.has('--add-failing'))) {
    const known = readKnown();
    const before = known.size;
    if (args.has('--update-known')) for (const n of [...known.keys()]) if (passing.has(n)) known.delete(n);
    if (args.has('--add-failing')) {
      for (const f of failing) {
        if (!known.has(f.name)) known.set(f.name, short(describeOutcome(f.got).replace(/\s+/g, ' '), 120));
      }
    }
    writeKnown(known);
    console.log(`\nknown-differences.txt: ${before} -> ${known.size} cases`);
  }
}

await main();
