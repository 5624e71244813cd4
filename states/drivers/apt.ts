import type { CommandRunner, ExecOptions, ExecResult, PkgDriver, PkgSpec } from '../types.js';

/** Queries run with the C locale so apt-cache's "Candidate:" and dpkg's messages are not translated. */
const QUERY_ENV: Record<string, string> = { LC_ALL: 'C', LANG: 'C' };

/** Environment for apt-get runs that change the system: never prompt, never page changelogs or bug lists. */
export const APT_ENV: Record<string, string> = {
  DEBIAN_FRONTEND: 'noninteractive',
  APT_LISTCHANGES_FRONTEND: 'none',
  APT_LISTBUGS_FRONTEND: 'none',
};

/** Keep existing (changed) config files, take the maintainer's default where there is no conflict. */
const CONF_OPTS = ['-o', 'DPkg::Options::=--force-confold', '-o', 'DPkg::Options::=--force-confdef'];

const DPKG_FORMAT = '${Package}\t${db:Status-Abbrev}\t${Version}\n';

/** The last `n` non-empty lines of a command's stderr (or stdout when stderr is empty). */
export function tailLines(text: string, n = 5): string {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '').slice(-n).join('\n');
}

/** A command line for messages: arguments with spaces or special characters single-quoted, control characters as \t, \n. */
export function showCommand(argv: string[]): string {
  return argv.map((a) => {
    if (/^[\w@%+=:,./-]+$/.test(a)) return a;
    const esc = a.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/'/g, "'\\''");
    return `'${esc}'`;
  }).join(' ');
}

/** An Error naming the command, its exit status and the end of its error output. */
export function commandError(argv: string[], r: ExecResult): Error {
  const how = r.timedOut ? 'timed out' : r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
  const tail = tailLines(r.stderr) || tailLines(r.stdout);
  return new Error(`${showCommand(argv)} ${how}${tail ? `: ${tail}` : ''}`);
}

/**
 * Parses `dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\t${Version}\n'` output.
 * A package counts as installed when its current status is "installed" (second status
 * letter `i`) with no error flag: `ii ` and held `hi ` do, `rc ` (config files only),
 * `un `, `iU ` (unpacked) and `iF ` (half-configured) do not.
 */
export function parseDpkgQuery(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [pkg, status, version] = line.split('\t');
    if (!pkg || status === undefined || version === undefined) continue;
    if (status.length >= 2 && status[1] === 'i' && (status[2] ?? ' ') === ' ' && version !== '') {
      out.set(pkg, version);
    }
  }
  return out;
}

/** Parses `apt-cache policy` output into package -> candidate version; `(none)` means no candidate. */
export function parseAptPolicy(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^(\S+):\s*$/.exec(line);
    if (header) { current = header[1]; continue; }
    const cand = /^\s+Candidate:\s*(\S+)\s*$/.exec(line);
    if (cand && current !== undefined) {
      if (cand[1] !== '(none)') out.set(current, cand[1]);
      current = undefined;
    }
  }
  return out;
}

/** Maps a result keyed by what apt/dpkg printed back onto the names the caller asked for. */
function byRequested(requested: string[], found: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of requested) {
    const base = name.includes(':') ? name.slice(0, name.indexOf(':')) : name;
    const v = found.get(name) ?? found.get(base);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

/** Debian/Ubuntu packages through dpkg-query, apt-cache and apt-get. */
export class AptPkgDriver implements PkgDriver {
  constructor(private readonly runner: CommandRunner) {}

  private async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    try {
      return await this.runner.run(argv, opts);
    } catch (e) {
      throw new Error(`${showCommand(argv)} could not be run: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  private async checked(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(argv, opts);
    if (r.code !== 0) throw commandError(argv, r);
    return r;
  }

  async installed(names: string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const argv = ['dpkg-query', '-W', '-f', DPKG_FORMAT, ...names];
    const r = await this.exec(argv, { env: QUERY_ENV });
    if (r.code !== 0) {
      // Exit 1 with only "no packages found matching X" lines: some names are just not known.
      const other = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/no packages found matching/.test(l));
      if (r.code !== 1 || other.length > 0) throw commandError(argv, r);
    }
    return byRequested(names, parseDpkgQuery(r.stdout));
  }

  async refresh(): Promise<void> {
    await this.checked(['apt-get', 'update', '-q'], { env: { ...QUERY_ENV, ...APT_ENV } });
  }

  async candidates(names: string[], refresh: boolean): Promise<Map<string, string>> {
    if (refresh) await this.refresh();
    if (names.length === 0) return new Map();
    const r = await this.checked(['apt-cache', 'policy', ...names], { env: QUERY_ENV });
    return byRequested(names, parseAptPolicy(r.stdout));
  }

  async install(pkgs: PkgSpec[], opts: { refresh: boolean }): Promise<void> {
    if (opts.refresh) await this.refresh();
    if (pkgs.length === 0) return;
    const targets = pkgs.map((p) => (p.version !== undefined && p.version !== '' ? `${p.name}=${p.version}` : p.name));
    await this.checked(['apt-get', 'install', '-y', '-q', ...CONF_OPTS, ...targets], { env: { ...APT_ENV } });
  }

  async remove(names: string[], opts: { purge: boolean }): Promise<void> {
    if (names.length === 0) return;
    await this.checked(['apt-get', opts.purge ? 'purge' : 'remove', '-y', '-q', ...names], { env: { ...APT_ENV } });
  }
}
