import { lchown, lstat, rm, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { isTreeUrl } from '../../file-client.js';
import type { StateArgs, StateContext, StateFunction, StateModule, StateReturn } from '../../types.js';
import { directory } from '../file/directory.js';
import {
  VALID_FORMATS, destPath, explanation, guessArchiveType, listContents, pyStr, stripComponents, tarCommand, toplevelComment,
  unlistableComment, type Contents,
} from './plan.js';
import { cacheSource, hashFile, isHttp, localPath, pickSource, redact, sourceSum, type SourceSum } from './source.js';
import { TarReadError, extractTar, listTar, type Owners } from './tar-io.js';

/*
 * Salt's archive.extracted (3006): list the archive, extract it only when a listed path is
 * missing (or overwrite), then enforce user/group on what it put at the top level. tar archives
 * (plain, gzip, bzip2, xz) are read natively, or with `options` by the box's tar command as Salt
 * runs it; zip and rar archives are not supported by umec.
 */

const bool = (d: boolean) => ({ type: 'boolean', default: d });
const optStr = { type: ['string', 'null'] };

export const extractedSchema = {
  type: 'object',
  properties: {
    source: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1 }] },
    source_hash: { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] },
    source_hash_name: optStr,
    source_hash_update: bool(false),
    skip_files_list_verify: bool(false),
    skip_verify: bool(false),
    password: optStr,
    options: { type: ['string', 'number', 'null'] },
    list_options: optStr,
    force: bool(false),
    overwrite: bool(false),
    clean: bool(false),
    clean_parent: bool(false),
    user: { type: ['string', 'integer', 'null'] },
    group: { type: ['string', 'integer', 'null'] },
    if_missing: optStr,
    trim_output: { anyOf: [{ type: 'boolean' }, { type: 'integer' }, { type: 'string' }], default: false },
    use_cmd_unzip: { type: ['boolean', 'null'] },
    extract_perms: bool(true),
    enforce_toplevel: bool(true),
    enforce_ownership_on: optStr,
    archive_format: optStr,
    use_etag: bool(false),
    keep_source: { type: 'boolean' },
    keep: { type: 'boolean' },
  },
  required: ['source'],
  // Salt's extracted takes **kwargs (formulas pass e.g. recurse, which it ignores)
  additionalProperties: true,
};

type Ret = StateReturn & { warnings?: string[] };

/** Salt's archive.extracted. */
export const extracted: StateFunction = {
  schema: extractedSchema,
  async run(a, ctx) {
    const ret: Ret = { name: a.name, result: false, changes: {}, comment: '' };
    const done = (comment: string, result: boolean | null = false): Ret => ({ ...ret, result, comment });
    if (a.skip_files_list_verify && a.skip_verify) return done('Only one of "skip_files_list_verify" and "skip_verify" can be set to True');
    if (a.source_hash_update || a.skip_files_list_verify) {
      return done('archive.extracted source_hash_update and skip_files_list_verify are not provided by umec (extraction is decided by the listed files)');
    }
    if (a.keep_source !== undefined && a.keep !== undefined) {
      ret.warnings = ["Both 'keep_source' and 'keep' were used. Since these both do the same thing, 'keep' was ignored."];
    }
    const keepSource = Boolean(a.keep_source ?? a.keep ?? true);
    if (!isAbsolute(a.name)) return done(`${a.name} is not an absolute path`);
    const bare = a.name.replace(/\/+$/, '');
    if ((await stat(bare).catch(() => undefined))?.isFile()) return done(`${bare} exists and is not a directory`);
    // Salt adds the slash back: every comment names the destination with it
    const name = `${bare}/`;
    const ifMissing = a.if_missing as string | null | undefined;
    if (ifMissing !== undefined && ifMissing !== null && !isAbsolute(ifMissing)) return done("Value for 'if_missing' is not an absolute path");
    const enforceOn = a.enforce_ownership_on as string | null | undefined;
    if (enforceOn !== undefined && enforceOn !== null) {
      if (!isAbsolute(enforceOn)) return done("Value for 'enforce_ownership_on' is not an absolute path");
      if (posix.relative(name, enforceOn).startsWith('../')) return done(`Value for 'enforce_ownership_on' must be within ${name}`);
    }
    if (ifMissing && await lstat(ifMissing).then(() => true, () => false)) return done(`Path ${ifMissing} exists`, true);

    const owner = await resolveOwner(a, ctx);
    if (typeof owner === 'string') return done(owner);

    const source = await pickSource(a.source, ctx);
    if (!source) return done(`Invalid source "${JSON.stringify(a.source)}"`);
    const remote = isTreeUrl(source) || isHttp(source);
    if (!remote && /^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !source.startsWith('file://')) {
      return done(`archive.extracted source ${redact(source)}: only salt://, umec://, http(s):// and local paths are provided by umec`);
    }
    const sourceMatch = remote ? source : await localPath(source);
    if (!remote && !(await stat(sourceMatch).catch(() => undefined))?.isFile()) return done(`Source file '${sourceMatch}' does not exist`);
    const shown = redact(sourceMatch);

    let format = a.archive_format as string | null | undefined;
    if (!format) {
      format = guessArchiveType(remote ? new URL(source.replace(/^(salt|umec):\/\//, 'file:///')).pathname : sourceMatch);
      if (!format) return done(`Could not guess archive_format from the value of the 'source' argument. Please set this archive_format to one of the following: ${VALID_FORMATS.join(', ')}`);
    }
    format = format.toLowerCase();
    if (!VALID_FORMATS.includes(format)) {
      return done(`Invalid archive_format '${format}'. Either set it to a supported value (${VALID_FORMATS.join(', ')}) or remove this argument and the archive format will be guessed based on file extension.`);
    }
    if (format !== 'tar') return done(`${format} archives are not supported by umec's archive.extracted (tar archives are)`);
    if (a.password) return done("The 'password' argument is only supported for zip archives");
    const options = a.options === undefined || a.options === null ? undefined : String(a.options);
    const strip = options ? stripComponents(options) : undefined;
    let trim = a.trim_output as boolean | number | string;
    if (trim === true) trim = 100;
    else if (typeof trim === 'string') {
      if (!/^\s*-?\d+\s*$/.test(trim)) return done('Invalid value for trim_output, must be True/False or an integer');
      trim = Number(trim);
    }

    let sum: SourceSum | undefined;
    if (a.source_hash) {
      const s = await sourceSum(a.source_hash, sourceMatch, ctx, a.source_hash_name as string | undefined);
      if (typeof s === 'string') return done(s);
      sum = s;
    }

    let cached = sourceMatch;
    if (remote) {
      if (ctx.test) return done(`Archive ${shown} would be cached (if necessary) and checked to discover if extraction is needed`, null);
      const c = await cacheSource(source, sum, a.skip_verify as boolean, ctx);
      if ('error' in c) return { name: source, result: false, changes: {}, comment: c.error };
      cached = c.path;
    }

    let contents: Contents;
    try {
      contents = listContents(await listTar(cached), strip);
    } catch (e) {
      if (!(e instanceof TarReadError)) throw e;
      return done(unlistableComment(shown, format, { ifMissing: Boolean(ifMissing), ownership: owner.uid !== -1 || owner.gid !== -1, enforceOn: Boolean(enforceOn) }));
    }
    if (a.enforce_toplevel && (contents.top_level_dirs.length > 1 || contents.top_level_files.length > 0)) return done(toplevelComment(format, name));
    if (a.clean && a.clean_parent) return done("Only one of 'clean' and 'clean_parent' can be set to True");

    const check = await checkPaths(name, contents);
    if (typeof check === 'string') return done(check);
    let extractionNeeded = Boolean(a.overwrite) || check.missing;
    if (check.incorrect.length) {
      const list = `\n\n${check.incorrect.map((x) => `- ${x}`).join('\n')}`;
      const comment = `The below paths (relative to ${name}) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.).`;
      if (ctx.test && a.clean) return done(`${comment} Since the 'clean' option is enabled, the destination paths would be cleared and the archive would be extracted.${list}`, null);
      if (ctx.test && a.clean_parent) {
        return done(`${comment} Since the 'clean_parent' option is enabled, the destination parent directory would be removed first and then re-created and the archive would be extracted`, null);
      }
      if (!a.clean) {
        if (!a.force) return done(`${comment} To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.${list}`);
        for (const p of check.incorrect) {
          const full = join(name, p);
          await rm(full.replace(/\/+$/, ''), { recursive: true, force: true });
          ((ret.changes.removed ??= []) as string[]).push(full);
          extractionNeeded = true;
        }
      }
    }

    let files: string[] | string = [];
    let createdDest = false;
    if (extractionNeeded) {
      if (!remote && sum && !a.skip_verify && await hashFile(cached, sum.hash_type) !== sum.hsum) {
        return done(`${shown} does not match the desired source_hash ${sum.hsum}`);
      }
      if (ctx.test) {
        let comment = `Archive ${shown} would be extracted to ${name}`;
        if (a.clean) comment += ', after cleaning destination path(s)';
        return done(comment + explanation(false, check.missing), null);
      }
      if (a.clean_parent) {
        await rm(bare, { recursive: true, force: true });
        ret.changes.removed ??= `Directory ${name} was removed prior to the extraction`;
      }
      if (a.clean) {
        for (const p of [...contents.top_level_dirs, ...contents.top_level_files]) {
          const full = join(name, p);
          await rm(full.replace(/\/+$/, ''), { recursive: true, force: true });
          ((ret.changes.removed ??= []) as string[]).push(full);
        }
      }
      if (!(await stat(bare).catch(() => undefined))?.isDirectory()) {
        await directory.run(dirArgs(bare, { user: a.user, makedirs: true }), ctx);
        createdDest = true;
      }
      const out = await extract(cached, bare, options, trim, ctx);
      if ('fail' in out) {
        if (createdDest && out.cleanup) await rmdir(bare).catch(() => undefined); // Salt's _cleanup_destdir: only if empty
        return { ...ret, result: false, comment: out.fail, changes: out.changes ?? ret.changes };
      }
      files = out.files;
    }

    const enforced = await enforceOwnership(name, contents, enforceOn ?? undefined, a, owner, ctx, ret);

    if (extractionNeeded) {
      if (files.length > 0) {
        if (createdDest) ret.changes.directories_created = [name];
        ret.changes.extracted_files = files;
        ret.comment = `${shown} extracted to ${name}${explanation(false, check.missing)}. Output was trimmed to ${pyStr(trim)} number of lines`;
        ret.result = true;
      } else {
        ret.result = false;
        ret.comment = `No files were extracted from ${shown}`;
      }
    } else {
      ret.result = true;
      ret.comment = 'All files in archive are already present';
      if (ctx.test && ret.changes['updated ownership']) {
        ret.result = null;
        ret.comment += '. Ownership would be updated on one or more files/directories.';
      }
    }
    if (enforced.missing.length) {
      if (!ifMissing) ret.result = false;
      ret.comment += `\n\nWhile trying to enforce user/group ownership, the following paths were missing:\n${enforced.missing.map((x) => `\n- ${x}`).join('')}`;
    }
    if (enforced.failed.length) {
      ret.result = false;
      ret.comment += `\n\nWhile trying to enforce user/group ownership, Salt was unable to change ownership on the following paths:\n${enforced.failed.map((x) => `\n- ${x}`).join('')}`;
    }
    if (remote && !keepSource) await rm(cached, { force: true });
    return ret;
  },
};

interface Owner { uid: number; gid: number; user?: string; group?: string }

/** file.user_to_uid / group_to_gid: a name that does not exist fails the state (also in test mode). */
async function resolveOwner(a: StateArgs, ctx: StateContext): Promise<Owner | string> {
  const o: Owner = { uid: -1, gid: -1 };
  if (a.user !== undefined && a.user !== null && a.user !== '') {
    o.user = String(a.user);
    const u = typeof a.user === 'number' ? { uid: a.user } : await ctx.drivers.users.getUser(o.user);
    if (!u) return `User ${o.user} does not exist`;
    o.uid = u.uid;
  }
  if (a.group !== undefined && a.group !== null && a.group !== '') {
    o.group = String(a.group);
    const g = typeof a.group === 'number' ? { gid: a.group } : await ctx.drivers.users.getGroup(o.group);
    if (!g) return `Group ${o.group} does not exist`;
    o.gid = g.gid;
  }
  return o;
}

/** Whether every listed path exists with the right type (Salt lstat()s each one). */
async function checkPaths(name: string, c: Contents): Promise<{ missing: boolean; incorrect: string[] } | string> {
  let missing = false;
  const incorrect: string[] = [];
  const groups: [string[], (s: import('node:fs').Stats) => boolean][] = [
    [c.dirs, (s) => s.isDirectory()],
    [c.files, (s) => !s.isSymbolicLink() && !s.isDirectory()],
    [c.links, (s) => s.isSymbolicLink()],
  ];
  for (const [paths, ok] of groups) {
    for (const p of paths) {
      try {
        if (!ok(await lstat(destPath(name, p)))) incorrect.push(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') missing = true;
        else if (code !== 'ENOTDIR') return (e as Error).message;
      }
    }
  }
  return { missing, incorrect };
}

const dirArgs = (name: string, extra: Record<string, unknown>): StateArgs => ({
  name, recurse: [], makedirs: false, clean: false, follow_symlinks: false, force: false, allow_symlink: true, children_only: false,
  ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined && v !== null)),
});

type Extracted = { files: string[] | string } | { fail: string; changes?: Record<string, unknown>; cleanup?: boolean };

/** The extraction itself: tarfile.extractall without options, the tar command with them. */
async function extract(cached: string, dest: string, options: string | undefined, trim: number | boolean, ctx: StateContext): Promise<Extracted> {
  if (options === undefined || options === '') {
    const owners: Owners = {
      uid: async (n) => (n ? (await ctx.drivers.users.getUser(n).catch(() => undefined))?.uid : undefined),
      gid: async (n) => (n ? (await ctx.drivers.users.getGroup(n).catch(() => undefined))?.gid : undefined),
    };
    try {
      const names = await extractTar(cached, dest, owners);
      return { files: trim ? names.slice(0, Number(trim)) : names };
    } catch (e) {
      if (!(e instanceof TarReadError)) throw e;
      return {
        fail: "Failed to read from tar archive using Python's native tar file support. If archive is compressed using something other than gzip or bzip2, "
          + "the 'options' argument may be required to pass the correct options to the tar command in order to extract the archive.",
        cleanup: true,
      };
    }
  }
  let argv: string[];
  try { argv = tarCommand(options, cached); } catch (e) { return { fail: `Invalid options '${options}': ${(e as Error).message}` }; }
  const r = await ctx.drivers.exec.run(argv, { cwd: dest });
  if (r.code !== 0) {
    // Salt puts cmd.run_all's return in changes
    return { fail: '', changes: { pid: r.pid, retcode: r.code, stdout: r.stdout.replace(/\n$/, ''), stderr: r.stderr.replace(/\n$/, '') } };
  }
  let lines = r.stdout.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  if (trim) lines = lines.slice(0, Number(trim));
  return { files: lines.length ? lines : 'no tar output so far' };
}

/** Salt's ownership pass: file.directory with recurse on top-level dirs, lchown on top-level files and links. */
async function enforceOwnership(name: string, c: Contents, enforceOn: string | undefined, a: StateArgs, owner: Owner, ctx: StateContext, ret: Ret):
  Promise<{ missing: string[]; failed: string[] }> {
  const missing: string[] = [];
  const failed: string[] = [];
  if (owner.user === undefined && owner.group === undefined) return { missing, failed };
  let dirs = c.top_level_dirs;
  let files = [...c.top_level_files, ...c.top_level_links];
  if (enforceOn) {
    const isDir = (await stat(enforceOn).catch(() => undefined))?.isDirectory();
    dirs = isDir ? [enforceOn] : [];
    files = isDir ? [] : [enforceOn];
  }
  const recurse = [...(owner.user !== undefined ? ['user'] : []), ...(owner.group !== undefined ? ['group'] : [])];
  for (const d of dirs) {
    const full = join(name, d);
    if (!(await stat(full).catch(() => undefined))?.isDirectory()) {
      if (!ctx.test) missing.push(full);
      continue;
    }
    const r = await directory.run(dirArgs(full.replace(/\/+$/, ''), { user: a.user, group: a.group, recurse }), ctx);
    if (Object.keys(r.changes).length) ret.changes['updated ownership'] = true;
    // Salt tests `not result`: file.directory's None in a dry run counts as a failure too
    if (!r.result) failed.push(full);
  }
  for (const f of files) {
    const full = join(name, f);
    const st = await lstat(full).catch(() => undefined);
    if (!st) {
      if (!ctx.test) { missing.push(full); failed.push(full); }
      continue;
    }
    if ((owner.uid !== -1 && owner.uid !== st.uid) || (owner.gid !== -1 && owner.gid !== st.gid)) {
      if (ctx.test) ret.changes['updated ownership'] = true;
      else {
        try { await lchown(full, owner.uid, owner.gid); ret.changes['updated ownership'] = true; } catch { failed.push(f); }
      }
    }
  }
  return { missing, failed };
}

export const archiveModule: StateModule = { name: 'archive', functions: { extracted } };
