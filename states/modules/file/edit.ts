import { chown, copyFile, chmod, realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { fail, readOrUndefined, statOrUndefined, writeFileAtomic } from './common.js';
import { pyUnifiedDiff, splitKeepEnds } from './pydiff.js';
import { compilePy, pyEscape, pyFlags, pySearch, pySubn } from './pyregex.js';

/*
 * Salt's in-place text edits: file.replace, file.comment, file.uncomment, file.blockreplace.
 * Each one plans the new text with a pure function (planReplace, planComment, planBlock), then
 * the state writes it atomically, keeping the old file at `<path><backup>` (Salt's default
 * '.bak') and the file's owner and mode.
 */

const backupSchema = { anyOf: [{ type: 'string' }, { type: 'boolean' }, { type: 'null' }], default: '.bak' };
const isBinaryText = (b: Buffer) => b.subarray(0, 8000).includes(0);

/** Salt's states.file._check_file. */
function checkFile(name: string, exists: boolean): string | undefined {
  if (!isAbsolute(name)) return `Specified file ${name} is not an absolute path`;
  if (!exists) return `${name}: file not found`;
  return undefined;
}

/** The file's text, read through symlinks as Salt's module functions do (os.path.realpath). */
async function readText(name: string): Promise<{ path: string; text: string } | { error: string }> {
  const path = await realpath(name);
  const buf = (await readOrUndefined(path))!;
  if (isBinaryText(buf)) return { error: `Cannot perform string replacements on a binary file: ${path}` };
  return { path, text: buf.toString('utf8') };
}

/** Writes the edited text; the previous content goes to `path + backup` when backup is a suffix. */
async function writeEdited(path: string, text: string, backup: unknown): Promise<void> {
  const st = await stat(path);
  if (typeof backup === 'string' && backup !== '') {
    const bak = `${path}${backup}`;
    await copyFile(path, bak);
    await chmod(bak, st.mode & 0o7777);
  }
  await writeFileAtomic(path, text, { mode: st.mode & 0o7777 });
  await chown(path, st.uid, st.gid);
}

/** Writes `next` when it differs from the file's text; the changes are its diff. */
async function writeChanged(file: { path: string; text: string }, next: string, backup: unknown): Promise<Record<string, unknown>> {
  if (next === file.text) return {};
  await writeEdited(file.path, next, backup);
  return { diff: pyUnifiedDiff(file.text, next) };
}

// ---------------------------------------------------------------- file.replace

export interface ReplacePlan { text: string; changed: boolean; diff: string }

/** Salt's modules.file.replace without the writing: the new text and difflib's diff. */
export function planReplace(old: string, o: {
  pattern: string; repl: string; count: number; flags: number;
  append_if_not_found: boolean; prepend_if_not_found: boolean; not_found_content?: string;
  backslash_literal: boolean;
}): ReplacePlan {
  if (o.append_if_not_found && o.prepend_if_not_found) throw new Error('Only one of append and prepend_if_not_found is permitted');
  const rx = compilePy(o.pattern, o.flags);
  const repl = o.backslash_literal ? o.repl.replace(/\\/g, '\\\\') : o.repl;
  const [result, n] = pySubn(rx, repl, old, o.count);
  let found = n > 0;
  let changed = n > 0 && o.pattern !== o.repl;
  const content = o.not_found_content !== undefined && o.not_found_content !== null && (o.append_if_not_found || o.prepend_if_not_found)
    ? o.not_found_content : o.repl;
  if (o.append_if_not_found || o.prepend_if_not_found) {
    // content already present as a whole line: it was added by a previous run
    if (pySearch(compilePy(`^${pyEscape(content)}($|(?=\r\n))`, o.flags), old)) found = true;
  }
  let newLines = splitKeepEnds(result);
  const oldLines = splitKeepEnds(old);
  if (newLines.join('') === oldLines.join('')) changed = false;
  if (!found && (o.append_if_not_found || o.prepend_if_not_found)) {
    const add = `${o.not_found_content ?? o.repl}\n`;
    if (o.prepend_if_not_found) newLines = [add, ...newLines];
    else {
      if (newLines.length && !newLines[newLines.length - 1].endsWith('\n')) newLines[newLines.length - 1] += '\n';
      newLines = [...newLines, add];
    }
    changed = true;
  }
  const text = newLines.join('');
  return { text, changed, diff: pyUnifiedDiff(old, text) };
}

const flagsSchema = { anyOf: [{ type: 'integer' }, { type: 'string' }, { type: 'array', items: { type: ['string', 'integer'] } }], default: 8 };

/** Salt's file.replace. */
export const replace: StateFunction = {
  schema: {
    type: 'object',
    properties: {
      pattern: { type: 'string' },
      repl: { type: ['string', 'number'] },
      count: { type: 'integer', default: 0 },
      flags: flagsSchema,
      bufsize: { anyOf: [{ type: 'integer' }, { type: 'string' }], default: 1 },
      append_if_not_found: { type: 'boolean', default: false },
      prepend_if_not_found: { type: 'boolean', default: false },
      not_found_content: { type: ['string', 'null'] },
      backup: backupSchema,
      show_changes: { type: 'boolean', default: true },
      ignore_if_missing: { type: 'boolean', default: false },
      backslash_literal: { type: 'boolean', default: false },
    },
    required: ['pattern', 'repl'],
    additionalProperties: false,
  },
  async run(a, ctx) {
    const exists = isAbsolute(a.name) && await statOrUndefined(a.name) !== undefined;
    const bad = checkFile(a.name, exists);
    if (bad) {
      if (a.ignore_if_missing && exists === false && isAbsolute(a.name)) {
        return { name: a.name, result: true, changes: {}, comment: 'No changes needed to be made' };
      }
      return fail(a.name, bad);
    }
    const file = await readText(a.name);
    if ('error' in file) return fail(a.name, file.error);
    let plan: ReplacePlan;
    try {
      plan = planReplace(file.text, {
        pattern: String(a.pattern), repl: String(a.repl), count: a.count as number, flags: pyFlags(a.flags),
        append_if_not_found: a.append_if_not_found as boolean, prepend_if_not_found: a.prepend_if_not_found as boolean,
        not_found_content: a.not_found_content as string | undefined, backslash_literal: a.backslash_literal as boolean,
      });
    } catch (e) {
      return fail(a.name, (e as Error).message);
    }
    return finishEdit(a, ctx, file.path, plan.changed && plan.diff !== '' ? plan : undefined, 'Changes would have been made');
  },
};

/** Salt's replace/blockreplace state tail: `changes.diff` is the diff, or true with show_changes off. */
async function finishEdit(a: StateArgs, ctx: StateContext, path: string, plan: ReplacePlan | undefined,
  testComment: string): Promise<StateReturn> {
  if (!plan) return { name: a.name, result: true, changes: {}, comment: 'No changes needed to be made' };
  const changes = { diff: a.show_changes ? plan.diff : true };
  if (ctx.test) return { name: a.name, result: null, changes, comment: testComment };
  await writeEdited(path, plan.text, a.backup);
  return { name: a.name, result: true, changes, comment: 'Changes were made' };
}

// ---------------------------------------------------------------- file.comment / file.uncomment

/** Salt's modules.file.comment_line without the writing: lines matching get `char` added or stripped. */
export function planComment(old: string, regex: string, char: string, comment: boolean): string {
  const core = regex.replace(/^\^+/, '').replace(/\$+$/, '');
  const end = regex.endsWith('$') ? '$' : '';
  const full = comment ? `${regex.startsWith('^') ? '^' : ''}(${core})${end}` : `^${char}\\s*(${core})${end}`;
  // re.match: anchored at the start of each line, no flags
  const rx = compilePy(`^(?:${full})`, 0);
  return splitKeepEnds(old).map((line) => {
    if (!pySearch(rx, line)) return line;
    return comment ? `${char}${line}` : lstripChars(line, char);
  }).join('');
}

/** Python's str.lstrip(chars). */
function lstripChars(s: string, chars: string): string {
  let i = 0;
  while (i < s.length && chars.includes(s[i])) i++;
  return s.slice(i);
}

const searchM = (pattern: string, text: string): boolean => pySearch(compilePy(pattern, 8), text);

const commentSchema = {
  type: 'object',
  properties: {
    regex: { type: 'string' },
    char: { type: 'string', default: '#' },
    backup: backupSchema,
  },
  required: ['regex'],
  additionalProperties: false,
};

/** Salt's file.comment. */
export const commentState: StateFunction = {
  schema: { ...commentSchema, properties: { ...commentSchema.properties, ignore_missing: { type: 'boolean', default: false } } },
  async run(a, ctx) {
    const bad = checkFile(a.name, isAbsolute(a.name) && await statOrUndefined(a.name) !== undefined);
    if (bad) return fail(a.name, bad);
    const file = await readText(a.name);
    if ('error' in file) return fail(a.name, file.error);
    const regex = String(a.regex);
    const char = String(a.char);
    try {
      // Salt drops a leading flag group, ^ and $ to look for the pattern anywhere in a line
      const unanchored = regex.replace(/^(\(\?[iLmsux]\))?\^?([\s\S]*?)\$?$/, '$2');
      if (!searchM(`^(?!\\s*${char}).*${unanchored}`, file.text)) {
        if (searchM(`${char}${unanchored}`, file.text)) return { name: a.name, result: true, changes: {}, comment: 'Pattern already commented' };
        if (a.ignore_missing) return { name: a.name, result: true, changes: {}, comment: 'Pattern not found and ignore_missing set to True' };
        return fail(a.name, `${unanchored}: Pattern not found`);
      }
      if (ctx.test) return { name: a.name, result: null, changes: { [a.name]: 'updated' }, comment: `File ${a.name} is set to be updated` };
      const next = planComment(file.text, regex, char, true);
      const changes = await writeChanged(file, next, a.backup);
      const ok = searchM(unanchored, next);
      return { name: a.name, result: ok, changes, comment: ok ? 'Commented lines successfully' : 'Expected commented lines not found' };
    } catch (e) {
      return fail(a.name, (e as Error).message);
    }
  },
};

/** Salt's file.uncomment. */
export const uncommentState: StateFunction = {
  schema: commentSchema,
  async run(a, ctx) {
    const bad = checkFile(a.name, isAbsolute(a.name) && await statOrUndefined(a.name) !== undefined);
    if (bad) return fail(a.name, bad);
    const file = await readText(a.name);
    if ('error' in file) return fail(a.name, file.error);
    const regex = String(a.regex);
    const char = String(a.char);
    const bare = regex.replace(/^\^+/, '');
    try {
      if (!searchM(`${char}[ \t]*${bare}`, file.text)) {
        if (searchM(`^[ \t]*${bare}`, file.text)) return { name: a.name, result: true, changes: {}, comment: 'Pattern already uncommented' };
        return fail(a.name, `${regex}: Pattern not found`);
      }
      if (ctx.test) return { name: a.name, result: null, changes: { [a.name]: 'updated' }, comment: `File ${a.name} is set to be updated` };
      const next = planComment(file.text, regex, char, false);
      const changes = await writeChanged(file, next, a.backup);
      const ok = searchM(`^[ \t]*${bare}`, next);
      return { name: a.name, result: ok, changes, comment: ok ? 'Uncommented lines successfully' : 'Expected uncommented lines not found' };
    } catch (e) {
      return fail(a.name, (e as Error).message);
    }
  },
};

// ---------------------------------------------------------------- file.blockreplace

export interface BlockOptions {
  marker_start: string; marker_end: string; content: string;
  append_if_not_found: boolean; prepend_if_not_found: boolean; append_newline?: boolean | null;
}

/** Salt's modules.file.blockreplace without the writing. Throws Salt's errors for bad markers. */
export function planBlock(old: string, o: BlockOptions): ReplacePlan {
  if (o.append_if_not_found && o.prepend_if_not_found) {
    throw new Error('Only one of append_if_not_found, prepend_if_not_found, insert_before_match, and insert_after_match is permitted');
  }
  const appendNewline = o.append_newline ?? !/\n$/.test(o.content);
  const split = o.content.split('\r\n').flatMap((l) => l.split('\n'));
  let linesep: string | undefined;
  const addContent = (sep: string, lines: string[], withStart: boolean, endLine = o.marker_end) => {
    const end = endLine.replace(/[\r\n]+$/, '') + sep;
    if (withStart) lines.push(o.marker_start + sep);
    split.forEach((l, i) => {
      if (i !== split.length - 1) lines.push(l + sep);
      else if (appendNewline) lines.push(l + sep, end);
      else lines.push(l + end);
    });
    return lines;
  };
  let newLines: string[] = [];
  let inBlock = false;
  let found = false;
  for (const line of old.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if (linesep === undefined) linesep = line.endsWith('\r\n') ? '\r\n' : '\n';
    let keep = true;
    if (line.includes(o.marker_start)) {
      inBlock = true;
    } else if (inBlock) {
      keep = false;
      const at = line.indexOf(o.marker_end);
      if (at !== -1) {
        inBlock = false;
        found = true;
        addContent(linesep, newLines, false, line.slice(at));
      }
    }
    if (keep) newLines.push(line);
  }
  if (inBlock) throw new Error('Unterminated marked block. End of file reached before marker_end.');
  const sep = linesep ?? '\n';
  if (!found) {
    if (o.prepend_if_not_found) newLines = [...addContent(sep, [], true), ...newLines];
    else if (o.append_if_not_found) {
      if (newLines.length && !newLines[newLines.length - 1].endsWith(sep)) newLines[newLines.length - 1] += sep;
      addContent(sep, newLines, true);
    } else throw new Error('Cannot edit marked block. Markers were not found');
  }
  const text = newLines.join('');
  const diff = pyUnifiedDiff(old, text);
  return { text, changed: diff !== '', diff };
}

/** Salt's file.blockreplace. */
export const blockreplace: StateFunction = {
  schema: {
    type: 'object',
    properties: {
      marker_start: { type: 'string', default: '#-- start managed zone --' },
      marker_end: { type: 'string', default: '#-- end managed zone --' },
      content: { type: ['string', 'number'], default: '' },
      source: { type: 'string' },
      template: { enum: ['jinja', null], default: 'jinja' },
      defaults: { type: 'object' },
      context: { type: 'object' },
      append_if_not_found: { type: 'boolean', default: false },
      prepend_if_not_found: { type: 'boolean', default: false },
      backup: backupSchema,
      show_changes: { type: 'boolean', default: true },
      append_newline: { type: ['boolean', 'null'] },
    },
    additionalProperties: false,
  },
  async run(a, ctx) {
    const bad = checkFile(a.name, isAbsolute(a.name) && await statOrUndefined(a.name) !== undefined);
    if (bad) return fail(a.name, bad);
    const file = await readText(a.name);
    let content = String(a.content);
    if (a.source !== undefined) {
      try {
        const src = (await ctx.files.read(String(a.source))).toString('utf8');
        content += a.template === 'jinja'
          ? await ctx.render(src, String(a.source), { ...(a.defaults as object | undefined), ...(a.context as object | undefined) })
          : src;
      } catch (e) {
        return fail(a.name, `Unable to get source: ${(e as Error).message}`);
      }
    }
    let plan: ReplacePlan;
    try {
      if ('error' in file) throw new Error(file.error);
      plan = planBlock(file.text, {
        marker_start: String(a.marker_start), marker_end: String(a.marker_end), content,
        append_if_not_found: a.append_if_not_found as boolean, prepend_if_not_found: a.prepend_if_not_found as boolean,
        append_newline: a.append_newline as boolean | null | undefined,
      });
    } catch (e) {
      return fail(a.name, `Encountered error managing block: ${(e as Error).message}. See the log for details.`);
    }
    return finishEdit(a, ctx, 'error' in file ? a.name : file.path, plan.changed ? plan : undefined, 'Changes would be made');
  },
};
