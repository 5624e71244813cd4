import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isTreeUrl } from '../file-client.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';

/*
 * Salt's pkgrepo.managed / pkgrepo.absent for apt: the repository is a one-line entry
 * ("deb [options] uri dist comps") in /etc/apt/sources.list or a file under sources.list.d.
 * Parsing and comparing entries is pure; the state reads the files under the driver's root,
 * writes the line, stores the key and runs `apt-get update` through the driver.
 */

export interface DebLine { disabled: boolean; type: string; options: string[]; uri: string; dist: string; comps: string[]; comment: string }

/** Parses a sources.list line; undefined for blank lines, plain comments and malformed entries. */
export function parseDebLine(line: string): DebLine | undefined {
  let l = line.trim();
  let disabled = false;
  if (l.startsWith('#')) { disabled = true; l = l.replace(/^#+\s*/, ''); }
  const hash = l.indexOf('#');
  const comment = hash >= 0 ? l.slice(hash + 1).trim() : '';
  if (hash >= 0) l = l.slice(0, hash).trim();
  const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(l);
  if (!m) return undefined;
  return {
    disabled, type: m[1], options: (m[2] ?? '').split(/\s+/).filter(Boolean), uri: m[3].replace(/\/+$/, ''), dist: m[4],
    comps: (m[5] ?? '').split(/\s+/).filter(Boolean), comment,
  };
}

/** Same repository (Salt matches type, uri and dist; components and options are compared after). */
const sameRepo = (a: DebLine, b: DebLine) => a.type === b.type && a.uri === b.uri && a.dist === b.dist;

/** Salt's Debian comparison: the line with everything after the dist sorted, and the comments. */
export function sameEntry(want: DebLine, have: DebLine): boolean {
  const norm = (d: DebLine) => [d.type, ...(d.options.length ? [`[${[...d.options].sort().join(' ')}]`] : []), d.uri, d.dist, ...[...d.comps].sort()].join(' ');
  return norm(want) === norm(have) && want.disabled === have.disabled && want.comment === have.comment;
}

/** The line Salt writes for an entry. */
export function formatDebLine(d: DebLine): string {
  const opts = d.options.length ? ` [${d.options.join(' ')}]` : '';
  return `${d.disabled ? '# ' : ''}${d.type}${opts} ${d.uri} ${d.dist}${d.comps.length ? ` ${d.comps.join(' ')}` : ''}${d.comment ? ` #${d.comment}` : ''}`;
}

interface Found { file: string; index: number; entry: DebLine }

/** Every entry in sources.list and sources.list.d/*.list under the root. */
async function allEntries(root: string): Promise<{ files: Map<string, string[]>; found: Found[] }> {
  const files = new Map<string, string[]>();
  const paths = ['/etc/apt/sources.list'];
  const d = join(root, 'etc/apt/sources.list.d');
  for (const n of (await readdir(d).catch(() => [] as string[])).sort()) if (n.endsWith('.list')) paths.push(`/etc/apt/sources.list.d/${n}`);
  const found: Found[] = [];
  for (const p of paths) {
    const text = await readFile(join(root, p), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    files.set(p, lines);
    lines.forEach((l, index) => {
      const entry = parseDebLine(l);
      if (entry) found.push({ file: p, index, entry });
    });
  }
  return { files, found };
}

const COMMON = {
  file: { type: 'string' },
  humanname: { type: 'string' },
  key_url: { type: 'string' },
  keyid: { type: ['string', 'number'] },
  keyserver: { type: 'string' },
  key_text: { type: 'string' },
  signedby: { type: 'string' },
  aptkey: { type: 'boolean', default: true },
  clean_file: { type: 'boolean', default: false },
  refresh: { type: 'boolean', default: true },
  refresh_db: { type: 'boolean' },
  comments: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  architectures: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  dist: { type: 'string' },
  comps: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  enabled: { type: 'boolean' },
  disabled: { type: 'boolean' },
  gpgcheck: { type: ['boolean', 'integer'] },
  consolidate: { type: 'boolean', default: false },
};

/** The wanted entry: the name's line with architectures, signed-by, comments and enabled applied. */
function wantedEntry(a: StateArgs): DebLine | string {
  const e = parseDebLine(a.name);
  if (!e || e.disabled) return `Failed to configure repo '${a.name}': the name must be a deb line ("deb [options] uri dist components")`;
  const archs = a.architectures === undefined ? [] : Array.isArray(a.architectures) ? a.architectures as string[] : String(a.architectures).split(',');
  if (archs.length) e.options = [...e.options.filter((o) => !o.startsWith('arch=')), `arch=${archs.join(',')}`];
  if (a.signedby !== undefined) e.options = [...e.options.filter((o) => !o.startsWith('signed-by=')), `signed-by=${String(a.signedby)}`];
  if (a.comments !== undefined) e.comment = (Array.isArray(a.comments) ? a.comments as string[] : [String(a.comments)]).join(' ').trim();
  if (a.comps !== undefined) e.comps = Array.isArray(a.comps) ? a.comps as string[] : String(a.comps).split(',');
  e.disabled = a.disabled === true || a.enabled === false;
  return e;
}

async function readKey(url: string, ctx: StateContext): Promise<Buffer> {
  if (isTreeUrl(url)) return ctx.files.read(url);
  if (url.startsWith('file://')) return readFile(url.slice('file://'.length));
  if (isAbsolute(url)) return readFile(url);
  if (/^https?:\/\//.test(url)) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return Buffer.from(await r.arrayBuffer());
  }
  throw new Error(`key_url ${url} must be a salt:// or umec:// URL, a local path or an http(s) URL`);
}

async function managed(a: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = a.name;
  const ret = (result: boolean | null, comment: string, changes: Record<string, unknown> = {}): StateReturn => ({ name, result, changes, comment });
  const repos = ctx.drivers.aptRepos;
  if (!repos) return ret(false, 'pkgrepo.managed needs apt (no apt repository driver on this box)');
  if (a.key_url !== undefined && (a.keyid !== undefined || a.keyserver !== undefined)) {
    return ret(false, 'You may not use both "keyid"/"keyserver" and "key_url" argument.');
  }
  if (a.keyid !== undefined || a.keyserver !== undefined) return ret(false, 'pkgrepo keyid/keyserver (fetching keys from a key server) is not provided by umec: use key_url');
  if (a.enabled !== undefined && a.disabled !== undefined) return ret(false, 'Only one of enabled/disabled is allowed');
  const want = wantedEntry(a);
  if (typeof want === 'string') return ret(false, want);
  const file = a.file !== undefined ? String(a.file) : '/etc/apt/sources.list';
  const refresh = (a.refresh_db ?? a.refresh) as boolean;
  const { files, found } = await allEntries(repos.root);
  const pre = found.find((f) => sameRepo(f.entry, want));
  const keyPath = a.signedby !== undefined ? String(a.signedby) : undefined;
  let keyBytes: Buffer | undefined;
  let keyChanged = false;
  if (a.key_url !== undefined || a.key_text !== undefined) {
    try {
      keyBytes = a.key_text !== undefined ? Buffer.from(String(a.key_text)) : await readKey(String(a.key_url), ctx);
    } catch (e) {
      return ret(false, `Failed to configure repo '${name}': ${(e as Error).message}`);
    }
    const dest = keyPath ?? `/etc/apt/trusted.gpg.d/${basename(file).replace(/\.list$/, '')}.${keyBytes.includes('-----BEGIN PGP') ? 'asc' : 'gpg'}`;
    const cur = await readFile(join(repos.root, dest)).catch(() => undefined);
    keyChanged = !cur || !cur.equals(keyBytes);
  }
  const cleanNeeded = a.clean_file === true && pre !== undefined && (files.get(file) ?? []).some((l, i) => l.trim() !== '' && !(pre.file === file && pre.index === i));
  if (pre && sameEntry(want, pre.entry) && !keyChanged && !cleanNeeded) return ret(true, `Package repo '${name}' already configured`);
  if (ctx.test) {
    const changes: Record<string, unknown> = pre ? { line: { new: formatDebLine(want), old: formatDebLine(pre.entry) } } : { repo: name };
    return ret(null, `Package repo '${name}' would be configured. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.`, changes);
  }
  try {
    if (keyBytes) {
      const dest = keyPath ?? `/etc/apt/trusted.gpg.d/${basename(file).replace(/\.list$/, '')}.${keyBytes.includes('-----BEGIN PGP') ? 'asc' : 'gpg'}`;
      await mkdir(dirname(join(repos.root, dest)), { recursive: true });
      await writeFile(join(repos.root, dest), keyBytes, { mode: 0o644 });
    }
    const edit = new Map<string, string[]>();
    const get = (p: string) => edit.get(p) ?? [...(files.get(p) ?? [])];
    if (a.clean_file) edit.set(file, []);
    if (pre && !(a.clean_file && pre.file === file)) {
      // the entry is rewritten where it is (Salt's mod_repo edits it in place)
      const lines = get(pre.file);
      lines[pre.index] = formatDebLine(want);
      edit.set(pre.file, lines);
    } else {
      edit.set(file, [...get(file), formatDebLine(want)]);
    }
    for (const [p, lines] of edit) {
      await mkdir(dirname(join(repos.root, p)), { recursive: true });
      await writeFile(join(repos.root, p), lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o644 });
    }
    if (refresh) await repos.refresh();
  } catch (e) {
    return ret(false, `Failed to configure repo '${name}': ${(e as Error).message}`);
  }
  const changes: Record<string, unknown> = pre ? { line: { new: formatDebLine(want), old: formatDebLine(pre.entry) } } : { repo: name };
  return ret(true, `Configured package repo '${name}'`, changes);
}

async function absent(a: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = a.name;
  const ret = (result: boolean | null, comment: string, changes: Record<string, unknown> = {}): StateReturn => ({ name, result, changes, comment });
  const repos = ctx.drivers.aptRepos;
  if (!repos) return ret(false, 'pkgrepo.absent needs apt (no apt repository driver on this box)');
  const want = parseDebLine(name);
  if (!want) return ret(false, `Failed to remove repo ${name}: the name must be a deb line`);
  const { files, found } = await allEntries(repos.root);
  const hits = found.filter((f) => sameRepo(f.entry, want) && (want.comps.length === 0 || sameEntry({ ...want, comment: f.entry.comment, disabled: f.entry.disabled, options: f.entry.options }, f.entry)));
  if (hits.length === 0) return ret(true, `Package repo ${name} is absent`);
  if (ctx.test) return ret(null, `Package repo '${name}' will be removed. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.`, { repo: name });
  try {
    for (const p of new Set(hits.map((h) => h.file))) {
      const drop = new Set(hits.filter((h) => h.file === p).map((h) => h.index));
      const lines = files.get(p)!.filter((_l, i) => !drop.has(i));
      // Salt's del_repo deletes a sources.list.d file that no longer holds an entry
      if (p !== '/etc/apt/sources.list' && !lines.some((l) => parseDebLine(l))) await rm(join(repos.root, p), { force: true });
      else await writeFile(join(repos.root, p), lines.length ? `${lines.join('\n')}\n` : '');
    }
    if (a.refresh ?? true) await repos.refresh();
  } catch (e) {
    return ret(false, `Failed to remove repo ${name}: ${(e as Error).message}`);
  }
  return ret(true, `Removed repository ${name}`, { repo: name });
}

export const pkgrepoModule: StateModule = {
  name: 'pkgrepo',
  functions: {
    managed: { schema: { type: 'object', properties: COMMON, additionalProperties: false }, run: managed },
    absent: { schema: { type: 'object', properties: { ...COMMON, refresh: { type: 'boolean' } }, additionalProperties: false }, run: absent },
  },
};
