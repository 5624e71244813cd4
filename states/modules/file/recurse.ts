import { rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { isTreeUrl } from '../../file-client.js';
import type { StateArgs, StateContext, StateFunction, StateReturn } from '../../types.js';
import { fail, modeSchema, parseMode, formatMode, statOrUndefined } from './common.js';
import { addWithParents, cleanDir, directory, keepSet, makedirsPerms } from './directory.js';
import { managed } from './managed.js';
import { symlinkState } from './paths.js';
import { checkIncludeExclude } from './select.js';

/*
 * Salt's file.recurse: a state-tree directory copied to `name` by running file.directory for
 * each directory, file.managed for each file (and file.symlink with keep_symlinks), merging
 * their results under the path they act on. The selection (which files, dirs, links) is a pure
 * function of the tree listing; clean then removes what the selection does not keep.
 */

const patSchema = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] };

export const recurseSchema = {
  type: 'object',
  properties: {
    source: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    keep_source: { type: 'boolean', default: true },
    clean: { type: 'boolean', default: false },
    user: { type: ['string', 'integer', 'null'] },
    group: { type: ['string', 'integer', 'null'] },
    dir_mode: modeSchema,
    file_mode: { anyOf: [modeSchema, { const: 'keep' }] },
    sym_mode: modeSchema,
    template: { enum: ['jinja', null] },
    context: { type: ['object', 'null'] },
    defaults: { type: ['object', 'null'] },
    replace: { type: 'boolean', default: true },
    include_empty: { type: 'boolean', default: false },
    backup: { type: 'string', default: '' },
    include_pat: patSchema,
    exclude_pat: patSchema,
    maxdepth: { type: ['integer', 'null'] },
    keep_symlinks: { type: 'boolean', default: false },
    force_symlinks: { type: 'boolean', default: false },
    // Salt takes **kwargs: mode is refused with its own message, makedirs is dropped
    mode: modeSchema,
    makedirs: { type: 'boolean' },
  },
  required: ['source'],
  additionalProperties: false,
};

/** Salt's _is_valid_relpath. */
function validRelpath(rel: string, maxdepth: number | undefined | null): boolean {
  if (`/${rel}/`.includes('/../')) return false;
  if (maxdepth !== undefined && maxdepth !== null && (rel.replace(/^\/+|\/+$/g, '').split('/').length - 1) > maxdepth) return false;
  return true;
}

export interface RecursePlan {
  files: { dest: string; rel: string }[];
  dirs: string[];
  symlinks: { dest: string; target: string }[];
  keep: Set<string>;
}

/** Salt's _gen_recurse_managed_files: what file.recurse manages, from the source listing. */
export function selectManaged(name: string, listing: { files: string[]; dirs: string[]; symlinks: Record<string, string> },
  o: { keep_symlinks: boolean; include_empty: boolean; include_pat?: string | string[] | null; exclude_pat?: string | string[] | null; maxdepth?: number | null }): RecursePlan {
  const keep = new Set<string>();
  const vdir = new Set<string>();
  const dirs = new Set<string>();
  const symlinks: RecursePlan['symlinks'] = [];
  let files = [...listing.files];
  const linkNames = o.keep_symlinks ? Object.keys(listing.symlinks) : [];
  for (const l of linkNames) {
    if (!validRelpath(l, o.maxdepth) || !checkIncludeExclude(l, o.include_pat, o.exclude_pat)) continue;
    // the link replaces whatever the file server shows below it
    files = files.filter((f) => f !== l && !f.startsWith(`${l}/`));
    symlinks.push({ dest: join(name, l), target: listing.symlinks[l] });
    keep.add(join(name, l));
  }
  for (const k of keep) vdir.add(k);
  const out: RecursePlan['files'] = [];
  for (const rel of files) {
    if (!rel.trim() || !validRelpath(rel, o.maxdepth) || !checkIncludeExclude(rel, o.include_pat, o.exclude_pat)) continue;
    const dest = join(name, rel);
    keep.add(dest);
    const dir = dirname(dest);
    if (!vdir.has(dir)) { dirs.add(dir); vdir.add(dir); }
    out.push({ dest, rel });
  }
  if (o.include_empty) {
    for (const rel of listing.dirs) {
      if (!validRelpath(rel, o.maxdepth) || !checkIncludeExclude(rel, o.include_pat, o.exclude_pat)) continue;
      if (linkNames.some((l) => rel === l || rel.startsWith(`${l}/`))) continue;
      const dest = join(name, rel);
      dirs.add(dest);
      keep.add(dest);
    }
  }
  return { files: out, dirs: [...dirs].sort(), symlinks, keep };
}

/** Salt's file.recurse. */
export const recurse: StateFunction = {
  schema: recurseSchema,
  async run(a, ctx) {
    const name = a.name;
    const result = { name, result: true as boolean | null, changes: {} as Record<string, unknown> };
    const comments = new Map<string, string[]>();
    if (a.mode !== undefined) return fail(name, "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.");
    const keepMode = a.file_mode === 'keep';
    const fileMode = keepMode ? undefined : parseMode(a.file_mode);
    const dirMode = parseMode(a.dir_mode);
    const owner = await ownerCheck(a, ctx);
    if (owner) return fail(name, owner);
    if (!isAbsolute(name)) return fail(name, `Specified file ${name} is not an absolute path`);
    const sources = (Array.isArray(a.source) ? a.source as string[] : [String(a.source)]).map((s) => s.replace(/\/+$/, ''));
    const notTree = sources.find((s) => !isTreeUrl(s));
    if (notTree !== undefined) return fail(name, `Invalid source '${notTree}' (must be a salt:// URI)`);
    if (!ctx.files.list) return fail(name, 'file.recurse needs a state tree that can be listed (this file client cannot)');
    let source: string | undefined;
    let listing;
    for (const s of sources) {
      listing = await ctx.files.list(s);
      if (listing) { source = s; break; }
    }
    if (!listing || !source) {
      const path = sources[0].replace(/^[a-z]+:\/\//, '');
      return { ...result, result: false, comment: `The directory '${path}' does not exist on the salt fileserver in saltenv 'base'` };
    }
    const st = await statOrUndefined(name);
    if (st && !st.isDirectory()) return fail(name, `The path ${name} exists and is not a directory`);
    if (!st && !ctx.test) {
      const uid = a.user !== undefined && a.user !== null ? (await ctx.drivers.users.getUser(String(a.user)))?.uid ?? -1 : -1;
      const gid = a.group !== undefined && a.group !== null ? (await ctx.drivers.users.getGroup(String(a.group)))?.gid ?? -1 : -1;
      await makedirsPerms(name, { uid, gid }, dirMode);
    }

    const merge = (path: string, r: StateReturn) => {
      if (r.result === false || result.result === true) result.result = r.result;
      if (r.result !== true && r.comment) comments.set(path, [...(comments.get(path) ?? []), r.comment]);
      if (Object.keys(r.changes).length) result.changes[path] = r.changes;
    };
    const plan = selectManaged(name, listing, {
      keep_symlinks: a.keep_symlinks as boolean, include_empty: a.include_empty as boolean,
      include_pat: a.include_pat as string | undefined, exclude_pat: a.exclude_pat as string | undefined, maxdepth: a.maxdepth as number | undefined,
    });
    const scheme = /^[a-z]+:\/\//.exec(source)![0];
    const base = source.slice(scheme.length).replace(/^\/+/, '');
    const owners = { ...(a.user !== undefined && a.user !== null ? { user: a.user } : {}), ...(a.group !== undefined && a.group !== null ? { group: a.group } : {}) };

    for (const l of plan.symlinks) {
      const r = await symlinkState.run({ name: l.dest, target: l.target, makedirs: true, force: a.force_symlinks, ...owners }, ctx);
      merge(l.dest, r);
    }
    for (const d of plan.dirs) {
      const dst = await statOrUndefined(d);
      if (a.clean && dst && !dst.isDirectory()) {
        if (ctx.test) { merge(d, { name, result: null, changes: {}, comment: `Replacing ${d} with a directory` }); continue; }
        await rm(d, { force: true });
        merge(d, { name, result: true, changes: { diff: 'Replaced file with a directory' }, comment: '' });
      }
      const r = await directory.run({
        name: d, ...owners, recurse: [], ...(a.dir_mode !== undefined ? { dir_mode: a.dir_mode } : {}), makedirs: true, clean: false,
        follow_symlinks: false, force: false, allow_symlink: true, children_only: false,
      }, ctx);
      merge(d, r);
    }
    for (const f of plan.files) {
      const dst = await statOrUndefined(f.dest);
      if (a.clean && dst?.isDirectory() && a.replace) {
        if (ctx.test) { merge(f.dest, { name, result: null, changes: {}, comment: `Replacing directory ${f.dest} with a file` }); continue; }
        await rm(f.dest, { recursive: true, force: true });
        merge(f.dest, { name, result: true, changes: { diff: 'Replaced directory with a new file' }, comment: '' });
      }
      const mode = keepMode ? formatMode(listing.modes[f.rel] ?? 0o644) : fileMode !== undefined ? formatMode(fileMode) : undefined;
      const r = await managed.run({
        name: f.dest, source: `${scheme}${posix.join(base, f.rel)}`, ...owners, ...(mode !== undefined ? { mode } : {}),
        ...(a.template ? { template: a.template } : {}), context: a.context ?? undefined, defaults: a.defaults ?? undefined,
        makedirs: true, replace: a.replace, create: true, contents_newline: true, show_changes: true,
      }, ctx);
      merge(f.dest, r);
    }
    if (a.clean) {
      const keep = await keepSet(name, ctx);
      for (const k of plan.keep) addWithParents(keep, k);
      if (await statOrUndefined(name)) {
        const removed = await cleanDir(name, keep, a.exclude_pat, ctx.test);
        if (removed.length) {
          if (ctx.test) {
            if (result.result) result.result = null;
            comments.set('removed', [...(comments.get('removed') ?? []), ...removed]);
          } else result.changes.removed = removed;
        }
      }
    }
    let comment = [...comments].map(([k, v]) => `\n#### ${k} ####\n${v.join('\n')}`).join('\n').trim();
    if (!comment) comment = `Recursively updated ${name}`;
    if (Object.keys(result.changes).length === 0 && result.result) comment = `The directory ${name} is in the correct state`;
    return { ...result, comment };
  },
};

/** Salt's _check_user for file.recurse (no test-mode leniency there). */
async function ownerCheck(a: StateArgs, ctx: StateContext): Promise<string | undefined> {
  let err = '';
  if (a.user !== undefined && a.user !== null && typeof a.user !== 'number' && !await ctx.drivers.users.getUser(String(a.user))) err += `User ${String(a.user)} is not available `;
  if (a.group !== undefined && a.group !== null && typeof a.group !== 'number' && !await ctx.drivers.users.getGroup(String(a.group))) err += `Group ${String(a.group)} is not available`;
  // Salt's _check_user drops the error in test mode: an earlier state may create the account
  if (err && ctx.test) return undefined;
  return err ? err.trimEnd() : undefined;
}
