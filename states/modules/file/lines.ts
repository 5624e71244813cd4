import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { diffText, fail, readOrUndefined, requireAbsolute, statOrUndefined, writeFileAtomic } from './common.js';

const splitLines = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

/** Shared tail of append/line: compare, predict in test mode, write atomically. */
async function rewrite(a: StateArgs, ctx: StateContext, before: Buffer | undefined, lines: string[],
  okComment: string, doneComment: string): Promise<StateReturn> {
  const next = Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', 'utf8');
  // same lines (e.g. only the final newline missing) is no change either
  const same = before !== undefined && splitLines(before.toString('utf8')).join('\n') === lines.join('\n');
  if (before && (same || before.equals(next))) return { name: a.name, result: true, changes: {}, comment: okComment };
  const changes = { diff: await diffText(before, next) };
  if (ctx.test) return { name: a.name, result: null, changes, comment: `File ${a.name} is set to be updated` };
  const st = await statOrUndefined(a.name);
  await writeFileAtomic(a.name, next, { mode: st ? st.mode & 0o7777 : 0o644 });
  return { name: a.name, result: true, changes, comment: doneComment };
}

/** Salt's file.append: each line of text is added at the end unless already in the file. */
export const append: StateFunction = {
  schema: {
    type: 'object',
    properties: { text: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, makedirs: { type: 'boolean', default: false } },
    required: ['text'],
    additionalProperties: false,
  },
  async run(a, ctx) {
    const bad = requireAbsolute(a.name);
    if (bad) return bad;
    const before = await readOrUndefined(a.name);
    const lines = splitLines(before?.toString('utf8') ?? '');
    const wanted = (Array.isArray(a.text) ? a.text as string[] : [String(a.text)]).flatMap(splitLines);
    const missing = wanted.filter((l) => !lines.includes(l));
    return rewrite(a, ctx, before, [...lines, ...missing], `File ${a.name} is in correct state`, `Appended ${missing.length} lines`);
  },
};

/** Salt's file.line (modes ensure, replace, delete, insert) for single-line edits. */
export const line: StateFunction = {
  schema: {
    type: 'object',
    properties: {
      content: { type: 'string' },
      match: { type: 'string' },
      mode: { enum: ['ensure', 'replace', 'delete', 'insert'] },
      location: { enum: ['start', 'end'] },
      before: { type: 'string' },
      after: { type: 'string' },
      create: { type: 'boolean', default: false },
    },
    required: ['mode'],
    additionalProperties: false,
  },
  async run(a, ctx) {
    const bad = requireAbsolute(a.name);
    if (bad) return bad;
    const before = await readOrUndefined(a.name);
    if (!before && !a.create) return fail(a.name, `File ${a.name} does not exist (set create: true)`);
    const content = a.content as string | undefined;
    if (a.mode !== 'delete' && content === undefined) return fail(a.name, `Content can only be empty if mode is delete`);
    let re: RegExp | undefined;
    let afterRe: RegExp | undefined;
    let beforeRe: RegExp | undefined;
    try {
      const pat = (a.match as string | undefined) ?? content;
      re = pat !== undefined ? new RegExp(pat) : undefined;
      afterRe = a.after !== undefined ? new RegExp(String(a.after)) : undefined;
      beforeRe = a.before !== undefined ? new RegExp(String(a.before)) : undefined;
    } catch (e) {
      return fail(a.name, `Invalid match expression: ${(e as Error).message}`);
    }
    const lines = splitLines(before?.toString('utf8') ?? '');
    let out = lines;
    switch (a.mode) {
      case 'delete': out = lines.filter((l) => !re!.test(l)); break;
      case 'replace': out = lines.map((l) => (re!.test(l) ? content! : l)); break;
      case 'ensure':
        if (lines.includes(content!)) break;
        out = lines.some((l) => re!.test(l)) ? lines.map((l) => (re!.test(l) ? content! : l)) : [...lines, content!];
        break;
      case 'insert': {
        if (lines.includes(content!)) break;
        const anchor = (r: RegExp | undefined) => (r === undefined ? -1 : lines.findIndex((l) => r.test(l)));
        const ai = anchor(afterRe);
        const bi = anchor(beforeRe);
        if (ai >= 0) out = [...lines.slice(0, ai + 1), content!, ...lines.slice(ai + 1)];
        else if (bi >= 0) out = [...lines.slice(0, bi), content!, ...lines.slice(bi)];
        else if (a.after !== undefined || a.before !== undefined) return fail(a.name, 'Neither before nor after matched any line');
        else out = a.location === 'start' ? [content!, ...lines] : [...lines, content!];
        break;
      }
    }
    return rewrite(a, ctx, before, out, `File ${a.name} is in correct state`, 'Changes were made');
  },
};
