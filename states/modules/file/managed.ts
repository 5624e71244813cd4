import { chown, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isTreeUrl } from '../../file-client.js';
import { traverse } from '../../render.js';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { diffText, ensureParent, fail, parentProblem, modeSchema, ownershipChanges, parseMode, readOrUndefined,
  requireAbsolute, statOrUndefined, writeFileAtomic } from './common.js';
import { makedirsPerms } from './directory.js';

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', items: { type: ['string', 'number'] } }] };

export const managedSchema = {
  type: 'object',
  properties: {
    contents: stringOrList,
    contents_pillar: { type: 'string' },
    contents_newline: { type: 'boolean', default: true },
    source: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    template: { enum: ['jinja', null] },
    context: { type: ['object', 'null'] },
    defaults: { type: ['object', 'null'] },
    mode: modeSchema,
    user: { type: 'string' },
    group: { type: 'string' },
    makedirs: { type: 'boolean', default: false },
    dir_mode: modeSchema,
    replace: { type: 'boolean', default: true },
    create: { type: 'boolean', default: true },
    show_changes: { type: 'boolean', default: true },
    // Salt's older name for show_changes, still in formulas
    show_diff: { type: 'boolean' },
    check_cmd: { type: 'string' },
    tmp_dir: { type: 'string' },
    tmp_ext: { type: 'string' },
    // accepted for Salt's sake: tree sources are trusted, a local backup copy is not kept
    source_hash: { anyOf: [{ type: 'string' }, { type: 'object' }] },
    skip_verify: { type: 'boolean', default: false },
    backup: { type: 'string' },
  },
  additionalProperties: false,
};

async function readSource(src: string, ctx: StateContext): Promise<Buffer> {
  if (isTreeUrl(src)) return ctx.files.read(src);
  if (src.startsWith('file://')) return readFile(src.slice('file://'.length));
  if (isAbsolute(src)) return readFile(src);
  throw new Error(`source ${src} must be a umec:// URL or an absolute path`);
}

const MISSING = Symbol('missing');

/** The content the file should have, null when content is not managed (no contents/source), or a failure. */
async function desiredContent(a: StateArgs, ctx: StateContext): Promise<Buffer | null | StateReturn> {
  const given = ['contents', 'contents_pillar', 'source'].filter((k) => a[k] !== undefined);
  if (given.length > 1) return fail(a.name, `Only one of contents, contents_pillar and source may be given (got ${given.join(', ')})`);
  let text: string | undefined;
  let raw: Buffer | undefined;
  let usedSource: string | null = null;
  if (a.contents !== undefined) {
    text = Array.isArray(a.contents) ? a.contents.join('\n') : String(a.contents);
  } else if (a.contents_pillar !== undefined) {
    // a sentinel, not undefined: undefined would select traverse's '' default
    const v = traverse(ctx.pillar, String(a.contents_pillar), MISSING);
    if (v === MISSING) return fail(a.name, `Pillar ${String(a.contents_pillar)} does not exist`);
    text = typeof v === 'string' ? v : JSON.stringify(v);
  } else if (a.source !== undefined) {
    const sources = Array.isArray(a.source) ? a.source as string[] : [String(a.source)];
    const errors: string[] = [];
    for (const s of sources) {
      try { raw = await readSource(s, ctx); usedSource = s; break; } catch (e) { errors.push((e as Error).message); }
    }
    if (!raw) return fail(a.name, `Unable to get source: ${errors.join('; ')}`);
  } else {
    // Salt: without contents or source the file is created empty and its content is not managed
    return null;
  }
  if (a.template === 'jinja') {
    const tpl = text ?? raw!.toString('utf8');
    // Salt's file.get_managed renders with these, then the defaults and context over them
    const own = { name: a.name, source: usedSource, user: a.user ?? null, group: a.group ?? null, mode: a.mode ?? null, attrs: a.attrs ?? null };
    const extra = { ...own, ...(a.defaults as object | undefined), ...(a.context as object | undefined) };
    text = await ctx.render(tpl, typeof a.source === 'string' ? a.source : a.name, extra);
    raw = undefined;
  }
  if (text !== undefined) {
    if (a.contents_newline && a.source === undefined && !text.endsWith('\n')) text += '\n';
    return Buffer.from(text, 'utf8');
  }
  return raw!;
}

/** Salt's file.managed: content, ownership and mode of one file, written atomically. */
export const managed: StateFunction = {
  schema: managedSchema,
  async run(args, ctx) {
    const bad = requireAbsolute(args.name);
    if (bad) return bad;
    const want = await desiredContent(args, ctx);
    if (want !== null && !Buffer.isBuffer(want)) return want;
    // Salt follows symlinks: manage the file the link points at, keep the link
    let a = args;
    const link = await statOrUndefined(args.name);
    if (link?.isSymbolicLink()) {
      try {
        a = { ...args, name: await realpath(args.name) };
      } catch {
        return fail(args.name, `${args.name} is a symlink to a missing file`);
      }
    }
    const done = (r: StateReturn): StateReturn => ({ ...r, name: args.name });
    return done(await apply(a, want, ctx));
  },
};

/** file.managed on a resolved path; `want` null means content is not managed. */
async function apply(a: StateArgs, want: Buffer | null, ctx: StateContext): Promise<StateReturn> {
  const st = await statOrUndefined(a.name);
  if (st && !st.isFile()) return fail(a.name, `${a.name} exists and is not a regular file`);
  if (!st && !a.create) return { name: a.name, result: true, changes: {}, comment: `File ${a.name} is not present and create is false` };
  const current = st ? await readOrUndefined(a.name) : undefined;
  const contentChanges = !st || (want !== null && a.replace && !current!.equals(want));
  const own = await ownershipChanges(a.name, st, { user: a.user as string, group: a.group as string, mode: a.mode }, ctx);
  if (own.error) return fail(a.name, own.error);
  const changes: Record<string, unknown> = {};
  if (contentChanges) changes.diff = (a.show_diff ?? a.show_changes) ? await diffText(current, want ?? Buffer.alloc(0)) : '<show_changes=False>';
  Object.assign(changes, st ? own.changes : pickMode(own.changes, a.mode));
  if (!st) Object.assign(changes, pickOwners(own.changes));
  if (Object.keys(changes).length === 0) {
    return { name: a.name, result: true, changes: {}, comment: `File ${a.name} is in the correct state` };
  }
  if (!st && !ctx.test) {
    // Salt's test mode predicts the change without looking at the parent: a required
    // file.directory may create it first
    const parent = await parentProblem(a.name, a.makedirs as boolean);
    if (parent) return fail(a.name, parent);
  }
  if (ctx.test) {
    return { name: a.name, result: null, changes, comment: `The file ${a.name} is set to be changed` };
  }
  if (a.check_cmd !== undefined) {
    const checked = await runCheckCmd(a, want ?? current ?? Buffer.alloc(0), ctx);
    if (checked) return checked;
  }
  if (a.makedirs && !await statOrUndefined(dirname(a.name))) await makeParents(a, ctx);
  const parentErr = await ensureParent(a.name, a.makedirs as boolean);
  if (parentErr) return fail(a.name, parentErr);
  if (contentChanges) {
    const mode = parseMode(a.mode) ?? (st ? st.mode & 0o7777 : 0o644);
    await writeFileAtomic(a.name, want ?? Buffer.alloc(0), { mode });
    if (st) {
      // keep the owner of the file being replaced unless told otherwise
      await chown(a.name, st.uid, st.gid);
    }
  }
  const after = await statOrUndefined(a.name);
  const own2 = await ownershipChanges(a.name, after, { user: a.user as string, group: a.group as string, mode: a.mode }, ctx);
  await own2.apply();
  return { name: a.name, result: true, changes, comment: `File ${a.name} updated` };
}

/**
 * Salt's check_cmd: the new content goes to a temporary file first and `<check_cmd> <tmpfile>`
 * must exit 0, else the state fails and the file is left alone.
 */
async function runCheckCmd(a: StateArgs, content: Buffer, ctx: StateContext): Promise<StateReturn | undefined> {
  const dir = await mkdtemp(join(a.tmp_dir !== undefined ? String(a.tmp_dir) : tmpdir(), 'umec-check-'));
  const tmp = join(dir, `${basename(a.name)}${a.tmp_ext !== undefined ? String(a.tmp_ext) : ''}`);
  try {
    await writeFile(tmp, content, { mode: 0o600 });
    const r = await ctx.drivers.exec.run(`${String(a.check_cmd)} ${tmp}`, { shell: true });
    if (r.code === 0) return undefined;
    // Salt's cmd.run_all strips the output's trailing newlines
    const out = r.stdout.replace(/\n+$/, '');
    const err = r.stderr.replace(/\n+$/, '');
    let comment = 'check_cmd execution failed';
    if (out) comment += `\n${out}`;
    if (err) comment += `\n${err}`;
    return { name: a.name, result: false, changes: {}, comment };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Salt's makedirs for file.managed: each missing parent gets the state's user and group, and
 * dir_mode, or without it the file's mode with an execute bit wherever a digit is not 0.
 */
async function makeParents(a: StateArgs, ctx: StateContext): Promise<void> {
  let dirMode = parseMode(a.dir_mode);
  if (dirMode === undefined && a.mode !== undefined) {
    const digits = String(a.mode).slice(-3).split('').map((d) => (d !== '0' ? String(Number(d) | 1) : d));
    dirMode = parseInt(digits.join(''), 8);
  }
  const uid = a.user !== undefined ? (await ctx.drivers.users.getUser(String(a.user)))?.uid ?? -1 : -1;
  const gid = a.group !== undefined ? (await ctx.drivers.users.getGroup(String(a.group)))?.gid ?? -1 : -1;
  await makedirsPerms(dirname(a.name), { uid, gid }, dirMode);
}

function pickMode(c: Record<string, string>, mode: unknown): Record<string, string> {
  return mode !== undefined && c.mode ? { mode: c.mode } : {};
}

function pickOwners(c: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (c.user) out.user = c.user;
  if (c.group) out.group = c.group;
  return out;
}
