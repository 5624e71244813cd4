import { chown, readFile, realpath } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { isTreeUrl } from '../../file-client.js';
import { traverse } from '../../render.js';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { diffText, ensureParent, fail, parentProblem, modeSchema, ownershipChanges, parseMode, readOrUndefined,
  requireAbsolute, statOrUndefined, writeFileAtomic } from './common.js';

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', items: { type: ['string', 'number'] } }] };

export const managedSchema = {
  type: 'object',
  properties: {
    contents: stringOrList,
    contents_pillar: { type: 'string' },
    contents_newline: { type: 'boolean', default: true },
    source: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    template: { enum: ['jinja', null] },
    context: { type: 'object' },
    defaults: { type: 'object' },
    mode: modeSchema,
    user: { type: 'string' },
    group: { type: 'string' },
    makedirs: { type: 'boolean', default: false },
    replace: { type: 'boolean', default: true },
    create: { type: 'boolean', default: true },
    show_changes: { type: 'boolean', default: true },
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
      try { raw = await readSource(s, ctx); break; } catch (e) { errors.push((e as Error).message); }
    }
    if (!raw) return fail(a.name, `Unable to get source: ${errors.join('; ')}`);
  } else {
    // Salt: without contents or source the file is created empty and its content is not managed
    return null;
  }
  if (a.template === 'jinja') {
    const tpl = text ?? raw!.toString('utf8');
    const extra = { ...(a.defaults as object | undefined), ...(a.context as object | undefined) };
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
  if (contentChanges) changes.diff = a.show_changes ? await diffText(current, want ?? Buffer.alloc(0)) : '<show_changes=False>';
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

function pickMode(c: Record<string, string>, mode: unknown): Record<string, string> {
  return mode !== undefined && c.mode ? { mode: c.mode } : {};
}

function pickOwners(c: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (c.user) out.user = c.user;
  if (c.group) out.group = c.group;
  return out;
}
