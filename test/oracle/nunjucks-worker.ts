/**
 * Child process of the report's nunjucks mode: renders the cases of an oracle dump from index
 * START on, one JSON line per case, so the parent can kill it when nunjucks loops forever on a
 * case (it does: `for x in l | list` over a list the loop appends to) and go on after it.
 * Usage: node nunjucks-worker.js ORACLE_DUMP.json START
 */
import { readFileSync, writeSync } from 'node:fs';
import type { Case } from './corpus.js';
import { decodeTyped } from './corpus.js';
import { loadNunjucks } from './renderers.js';

const [dump, start] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(dump!, 'utf8')) as Array<Omit<Case, 'context'> & { context: unknown }>;
const render = await loadNunjucks();
for (let i = Number(start); i < cases.length; i++) {
  const c = cases[i]!;
  const outcome = typeof render === 'string' ? { crash: render } : render({ ...c, context: decodeTyped(c.context) as Case['context'] });
  writeSync(1, `${JSON.stringify({ i, outcome })}\n`);
}
