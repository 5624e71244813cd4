/**
 * Issue 13's Jinja2 rows: umec's engine and Python Jinja2 (Debian's python3-jinja2, a short
 * warm python3 process: test/oracle/jinja2_render.py --bench) rendering the same templates of
 * the differential corpus, median µs per pass over the set, and the ratio. Only cases umec
 * renders exactly like Jinja2 are timed, so both sides do the same work.
 */
import { spawnSync } from 'node:child_process';
import { CORPUS, ORACLE, matches, pythonBin, runOracle, type Case } from '../test/oracle/corpus.js';
import { caseEnvironment, loadEngine, renderUmec, type Engine } from '../test/oracle/renderers.js';
import { timeIt } from './proc.js';
import type { Row, Section } from './section.js';

const RUNS = 30;

const SETS: Array<[string, string[]]> = [
  ['formula-like templates (map.jinja, macros, loops over pillar)', ['formulas']],
  ['corpus: imports, includes, inheritance, macros, loops', ['imports', 'include', 'inheritance', 'macros', 'loops']],
];

async function timeUmec(engine: Engine, cases: Case[]): Promise<number> {
  const prepared = cases.map((c) => caseEnvironment(engine, c));
  const pass = () => { for (const p of prepared) p.env.getTemplate('main.jinja').render(p.ctx); };
  pass(); // warm: parse and cache every template once, as a long-running agent has
  return timeIt(RUNS, async () => pass());
}

function timePython(cases: Case[]): number {
  const r = spawnSync(pythonBin(), [ORACLE, CORPUS, '--bench', String(RUNS), ...cases.map((c) => c.name)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Python Jinja2 bench failed: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { median_ms: number }).median_ms;
}

export async function jinjaRows(): Promise<Section> {
  const rows: Row[] = [];
  const skipped: string[] = [];
  const engine = await loadEngine();
  if (typeof engine === 'string') return { rows, notes: [], skipped: [`jinja: ${engine}`] };
  const oracle = runOracle(SETS.flatMap(([, groups]) => groups));
  for (const [label, groups] of SETS) {
    const inSet = oracle.cases.filter((c) => groups.includes(c.group) && 'out' in c.expected);
    const same = inSet.filter((c) => matches(c.expected, renderUmec(engine, c)));
    if (!same.length) { skipped.push(`jinja ${label}: no case renders like Jinja2 yet`); continue; }
    // the cases rendered above mutated their contexts (do x.append): fresh ones for timing
    const fresh = runOracle(same.map((c) => c.name)).cases;
    const umec = await timeUmec(engine, fresh);
    const py = timePython(fresh);
    // µs: a pass over the small templates takes well under a millisecond
    rows.push({ name: `jinja: ${label}, ${same.length}/${inSet.length} cases, umec`, median: umec * 1000, unit: 'µs', target: '(info)',
      extra: `${(umec / py).toFixed(2)}x Python Jinja2 (median of ${RUNS} warm passes over the set)` });
    rows.push({ name: `  same, Python Jinja2 ${oracle.jinja2}`, median: py * 1000, unit: 'µs', target: '(info)' });
  }
  return { rows, notes: [], skipped };
}
