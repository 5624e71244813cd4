/**
 * `npm run jinja-diff`: pass/fail counts per feature group of the Jinja2 differential corpus.
 *
 *   --nunjucks      judge the old nunjucks renderer (states/render.ts) instead of umec's engine
 *   --failures      list every failing case with what Jinja2 and the renderer gave
 *   --update-known  drop the cases of known-differences.txt that now pass
 *   --add-failing   list the failing cases that are not in known-differences.txt yet (reason:
 *                   what umec gave); only to baseline a new engine merge, never to hide a regression
 */
import { describeOutcome, matches, readKnown, runOracle, samePosition, writeKnown, type Outcome } from './corpus.js';
import { loadEngine } from './renderers.js';
import { renderInChildren } from './run-cases.js';

const args = new Set(process.argv.slice(2));
const nunjucks = args.has('--nunjucks');

const short = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n)}…` : s);

async function main(): Promise<void> {
  const oracle = runOracle();
  let label: string;
  if (nunjucks) {
    label = 'nunjucks (states/render.ts TemplateRenderer; any error counts for an error case, one final newline ignored)';
  } else {
    const engine = await loadEngine();
    if (typeof engine === 'string') console.log(`note: ${engine}`);
    label = 'umec states/jinja';
  }
  const outcomes = await renderInChildren(oracle, nunjucks ? 'nunjucks' : 'umec');
  const groups = new Map<string, { pass: number; fail: number }>();
  const failing: Array<{ name: string; expected: Outcome; got: Outcome }> = [];
  // error cases where both raise the same kind: is the error reported at Jinja2's file and line?
  const positions = { same: 0, differ: [] as string[] };
  const passing = new Set<string>();
  for (const [i, c] of oracle.cases.entries()) {
    const got = outcomes[i];
    const ok = matches(c.expected, got, nunjucks);
    if (ok && !nunjucks && 'kind' in c.expected && c.expected.where) {
      if (samePosition(c.expected, got)) positions.same++;
      else positions.differ.push(`${c.name}: jinja2 ${c.expected.where.filename}:${c.expected.where.lineno}, umec ${'kind' in got ? `${got.where?.filename}:${got.where?.lineno}` : '-'}`);
    }
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
  if (!nunjucks) {
    console.log(`\nerror positions (cases failing with Jinja2's exception kind): ${positions.same} at Jinja2's file:line, ${positions.differ.length} elsewhere`);
    if (args.has('--failures')) for (const d of positions.differ) console.log(`  ${d}`);
  }
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
