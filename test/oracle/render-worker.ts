/**
 * Child process that renders the cases of an oracle dump from index START on, one JSON line
 * per case, with umec's engine or the old nunjucks renderer. The parent (run-cases.ts) kills it
 * when a case never finishes (nunjucks loops forever on `for x in l | list` while appending to
 * l; an engine bug could too) and starts another after that case.
 * Usage: node render-worker.js umec|nunjucks ORACLE_DUMP.json START
 */
import { readFileSync, writeSync } from 'node:fs';
import { decodeTyped, type Case, type Outcome } from './corpus.js';
import { loadEngine, loadNunjucks, renderUmec } from './renderers.js';

const [renderer, dump, start] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(dump, 'utf8')) as Array<Omit<Case, 'context'> & { context: unknown }>;
let render: (c: Case) => Outcome;
if (renderer === 'nunjucks') {
  const nj = await loadNunjucks();
  render = typeof nj === 'string' ? () => ({ crash: nj }) : nj;
} else {
  const engine = await loadEngine();
  render = (c) => renderUmec(engine, c);
}
for (let i = Number(start); i < cases.length; i++) {
  const c = cases[i];
  const outcome = render({ ...c, context: decodeTyped(c.context) as Case['context'] });
  writeSync(1, `${JSON.stringify({ i, outcome })}\n`);
}
