import type { RunResults, StateResult } from '../../states/types.js';
import { nested } from './nested.js';

export type StateOutput = 'full' | 'terse' | 'changes';

const COLORS = { green: 32, red: 31, yellow: 33, cyan: 36 } as const;

export interface Summary { succeeded: number; failed: number; changed: number; total: number; durationMs: number }

export function summarise(results: RunResults): Summary {
  const list = Object.values(results);
  return {
    total: list.length,
    failed: list.filter((r) => r.result === false).length,
    succeeded: list.filter((r) => r.result !== false).length,
    changed: list.filter((r) => Object.keys(r.changes).length > 0).length,
    durationMs: list.reduce((s, r) => s + r.duration, 0),
  };
}

const resultWord = (r: StateResult) => (r.result === true ? 'True' : r.result === false ? 'False' : 'None');

/** Human output in the shape of Salt's highstate outputter. */
export function formatHighstate(minion: string, results: RunResults, o: { color: boolean; output: StateOutput }): string {
  const paint = (c: keyof typeof COLORS, s: string) => (o.color ? `\x1b[${COLORS[c]}m${s}\x1b[0m` : s);
  const entries = Object.entries(results).sort((a, b) => a[1].__run_num__ - b[1].__run_num__);
  const lines: string[] = [`${paint('cyan', minion)}:`];
  for (const [key, r] of entries) {
    const [module, , , fun] = key.split('_|-');
    const color = r.result === false ? 'red' : r.result === null ? 'yellow' : Object.keys(r.changes).length ? 'cyan' : 'green';
    const quiet = o.output === 'terse' || (o.output === 'changes' && r.result === true && Object.keys(r.changes).length === 0);
    if (quiet) {
      lines.push(paint(color, `  Name: ${r.name} - Function: ${module}.${fun} - Result: ${r.result === true ? 'Clean' : r.result === false ? 'Failed' : 'Differs'} - Started: ${r.start_time} - Duration: ${r.duration} ms`));
      continue;
    }
    const block = [
      '----------',
      `          ID: ${r.__id__}`,
      `    Function: ${module}.${fun}`,
      `        Name: ${r.name}`,
      `      Result: ${resultWord(r)}`,
      `     Comment: ${r.comment.split('\n').join('\n              ')}`,
      `     Started: ${r.start_time}`,
      `    Duration: ${r.duration} ms`,
      `     Changes:${Object.keys(r.changes).length ? '' : ' '}`,
    ];
    if (r.name === r.__id__) block.splice(3, 1);
    if (Object.keys(r.changes).length) block.push(...nested(r.changes, 14));
    lines.push(...block.map((l) => paint(color, l)));
  }
  const s = summarise(results);
  lines.push('', paint('cyan', `Summary for ${minion}`), paint('cyan', '------------'),
    paint('green', `Succeeded: ${s.succeeded}${s.changed ? ` (${paint('green', `changed=${s.changed}`)})` : ''}`),
    paint(s.failed ? 'red' : 'cyan', `Failed:    ${s.failed}`),
    paint('cyan', '------------'),
    paint('cyan', `Total states run:     ${s.total}`),
    paint('cyan', `Total run time: ${s.durationMs.toFixed(3).padStart(10)} ms`));
  return lines.join('\n');
}
