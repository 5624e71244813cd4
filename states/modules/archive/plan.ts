import { posix } from 'node:path';

/*
 * The pure parts of Salt's archive.extracted (salt/states/archive.py, 3006) and of the
 * archive.list it calls (salt/modules/archive.py): the format guessed from the source name,
 * --strip-components read from options, the archive's contents as Salt lists them, the tar
 * command Salt builds when options are given, and the comments it writes.
 */

export type MemberKind = 'dir' | 'file' | 'link';
/** One archive member, named as Python's tarfile names it (a directory without its trailing '/'). */
export interface Member { name: string; kind: MemberKind }

/** archive.list(verbose=True): paths relative to the destination, directories ending in '/'. */
export interface Contents {
  dirs: string[]; files: string[]; links: string[];
  top_level_dirs: string[]; top_level_files: string[]; top_level_links: string[];
}

export const VALID_FORMATS = ['tar', 'rar', 'zip'];

/** salt.utils.files.guess_archive_type. */
export function guessArchiveType(name: string): string | undefined {
  const n = name.toLowerCase();
  for (const e of ['tar', 'tar.gz', 'tgz', 'tar.bz2', 'tbz2', 'tbz', 'tar.xz', 'txz', 'tar.lzma', 'tlz']) {
    if (n.endsWith(`.${e}`)) return 'tar';
  }
  for (const e of ['zip', 'rar']) if (n.endsWith(`.${e}`)) return e;
  return undefined;
}

/** The N of --strip-components=N / --strip N in tar options, as Salt's regex finds it. */
export function stripComponents(options: string | undefined): number | undefined {
  if (!options) return undefined;
  const m = /--strip(?:-components)?(?:\s+|=)["']?(\d+)["']?/.exec(options);
  return m ? Number(m[1]) : undefined;
}

const pySort = (xs: string[]): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** os.path.commonprefix: the longest common leading string. */
function commonPrefix(xs: string[]): string {
  if (xs.length === 0) return '';
  let lo = xs[0];
  let hi = xs[0];
  for (const x of xs) { if (x < lo) lo = x; if (x > hi) hi = x; }
  let i = 0;
  while (i < lo.length && lo[i] === hi[i]) i++;
  return lo.slice(0, i);
}

/** archive.list's tar listing with strip_components and the top-level lists. */
export function listContents(members: Member[], strip?: number): Contents {
  let dirs = members.filter((m) => m.kind === 'dir').map((m) => `${m.name}/`);
  let files = members.filter((m) => m.kind === 'file').map((m) => m.name);
  let links = members.filter((m) => m.kind === 'link').map((m) => m.name);
  if (strip) {
    // Python's path.split('/', n)[n]: what follows the n-th separator ('' when not that deep)
    const cut = (p: string) => { const parts = p.split('/'); return parts.length > strip ? parts.slice(strip).join('/') : ''; };
    [dirs, files, links] = [dirs, files, links].map((l) => l.map(cut).filter((x) => x));
  }
  dirs = pySort(dirs); files = pySort(files); links = pySort(links);
  const top = dirs.filter((x) => x.split('/').length - 1 === 1);
  const prefix = commonPrefix(dirs);
  if (prefix.includes('/')) {
    const p = `${prefix.split('/')[0]}/`;
    if (!top.includes(p)) top.push(p);
  }
  return {
    dirs, files, links, top_level_dirs: top,
    top_level_files: files.filter((x) => !x.includes('/')), top_level_links: links.filter((x) => !x.includes('/')),
  };
}

/** Python's shlex.split for the option strings formulas pass (quotes and backslashes). */
export function shlexSplit(s: string): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
      else if (c === '\\' && q === '"' && i + 1 < s.length && '"\\'.includes(s[i + 1])) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') { q = c; cur ??= ''; } else if (c === '\\' && i + 1 < s.length) { cur = (cur ?? '') + s[++i]; } else if (/\s/.test(c)) {
      if (cur !== undefined) { out.push(cur); cur = undefined; }
    } else cur = (cur ?? '') + c;
  }
  if (q) throw new Error('No closing quotation');
  if (cur !== undefined) out.push(cur);
  return out;
}

/** The tar command archive.extracted runs when options are given (cwd: the destination). */
export function tarCommand(options: string, cached: string): string[] {
  const opts = shlexSplit(options).filter((x) => !['v', '-v', '--verbose'].includes(x));
  let shortopts = 'xv';
  const longopts: string[] = [];
  opts.forEach((opt, i) => {
    if (opt.startsWith('-') || i > 0) longopts.push(opt);
    else shortopts += opt.replace(/x/g, '').replace(/f/g, '');
  });
  return ['tar', shortopts, ...longopts, '-f', cached];
}

/** salt.utils.path.join(name, path) as archive.extracted checks each listed path. */
export const destPath = (name: string, rel: string): string => posix.join(name, rel).replace(/\/+$/, '');

/** Python's str() of trim_output in Salt's "Output was trimmed to ..." sentence. */
export const pyStr = (v: unknown): string => (v === false ? 'False' : v === true ? 'True' : v === null || v === undefined ? 'None' : String(v));

/** The explanation Salt adds after "would be extracted"/"extracted to". */
export function explanation(sourceHashTrigger: boolean, contentsMissing: boolean): string {
  if (sourceHashTrigger) return ', due to source_hash update';
  if (contentsMissing) return ', due to absence of one or more files/dirs';
  return '';
}

/** Salt's message when the archive has more than one thing at its top level. */
export function toplevelComment(format: string, name: string): string {
  return "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. "
    + `To avoid a '${format}-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value `
    + `(for example, setting 'name' to ${posix.join(name, 'some_dir')} instead of ${name}).`;
}

/** archive.list's error for an archive it cannot read, with the state's workaround advice. */
export function unlistableComment(source: string, format: string, o: { ifMissing: boolean; ownership: boolean; enforceOn: boolean }): string {
  let msg = `Unable to list contents of ${source}. If this is an XZ-compressed tar archive, install XZ Utils to enable listing its contents. `
    + 'If it is compressed using something other than XZ, it may be necessary to specify CLI options to decompress the archive. See the documentation for details.';
  const errors: string[] = [];
  if (!o.ifMissing) errors.push("'if_missing' must be set");
  if (!o.enforceOn && o.ownership) errors.push("Ownership cannot be managed without setting 'enforce_ownership_on'.");
  if (errors.length) {
    msg += '\n\n';
    msg += format === 'tar'
      ? "If the source archive is a tar archive compressed using a compression type not natively supported by the tar command, then setting the 'list_options' argument may allow the contents to be listed. Otherwise, if Salt is unable to determine the files/directories in the archive, the following workaround(s) would need to be used for this state to proceed"
      : 'The following workarounds must be used for this state to proceed';
    msg += ` (assuming the source file is a valid ${format} archive):\n`;
    for (const e of errors) msg += `\n- ${e}`;
  }
  return msg;
}
