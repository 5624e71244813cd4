import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTreeUrl, treePath } from '../../file-client.js';
import type { StateContext } from '../../types.js';

/*
 * Where archive.extracted's source comes from and how it is checked (Salt's file.source_list,
 * file.get_source_sum, file.cached): a state-tree file (salt:// or umec://), a local path (or
 * file://), or an http(s) URL, which is cached under the cache dir as Salt caches it under
 * extrn_files and checked against source_hash.
 */

export interface SourceSum { hash_type: string; hsum: string }

const HASH_LENGTHS: Record<number, string> = { 32: 'md5', 40: 'sha1', 56: 'sha224', 64: 'sha256', 96: 'sha384', 128: 'sha512' };

export const isHttp = (s: string): boolean => /^https?:\/\//i.test(s);

/** A URL with its user:password@ part hidden (salt.utils.url.redact_http_basic_auth). */
export const redact = (url: string): string => url.replace(/^(https?:\/\/)[^/@\s]+@/i, '$1<redacted>@');

function invalidHashFormat(h: string): string {
  return `Source hash ${h} format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, `
    + 'or 3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: '
    + 'salt, file, http, https. The hash may also not be of a valid length, the following are supported hash types and lengths: '
    + 'md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128).';
}

/** A hash as text: `type=hex` or bare hex whose length names the type. */
function parseHash(text: string): SourceSum | undefined {
  const t = text.trim();
  const eq = t.indexOf('=');
  if (eq > 0) {
    const [type, hex] = [t.slice(0, eq).trim().toLowerCase(), t.slice(eq + 1).trim().toLowerCase()];
    return /^[0-9a-f]+$/.test(hex) && Object.values(HASH_LENGTHS).includes(type) ? { hash_type: type, hsum: hex } : undefined;
  }
  const type = HASH_LENGTHS[t.length];
  return type && /^[0-9a-f]+$/i.test(t) ? { hash_type: type, hsum: t.toLowerCase() } : undefined;
}

/** Salt's extract_hash: the line naming the source's file (or the only hash in the file). */
function hashFromFile(text: string, fileName: string, sourceHashName?: string): SourceSum | undefined {
  const want = sourceHashName ?? fileName;
  const found: SourceSum[] = [];
  for (const line of text.split('\n')) {
    const hexes = line.match(/\b[0-9a-fA-F]{32,128}\b/g)?.filter((h) => HASH_LENGTHS[h.length]) ?? [];
    if (hexes.length === 0) continue;
    const sum = { hash_type: HASH_LENGTHS[hexes[0].length], hsum: hexes[0].toLowerCase() };
    const names = line.split(/\s+/).map((w) => w.replace(/^\*/, ''));
    if (names.some((n) => n === want || basename(n) === basename(want))) return sum;
    found.push(sum);
  }
  return found.length === 1 ? found[0] : undefined;
}

/** file.get_source_sum: the expected hash from source_hash (inline, or a hash file). Returns an error text when it cannot. */
export async function sourceSum(sourceHash: unknown, source: string, ctx: StateContext, sourceHashName?: string): Promise<SourceSum | string> {
  if (sourceHash !== null && typeof sourceHash === 'object') {
    const o = sourceHash as Record<string, unknown>;
    const parsed = parseHash(`${String(o.hash_type)}=${String(o.hsum)}`);
    return parsed ?? invalidHashFormat(JSON.stringify(sourceHash));
  }
  const h = String(sourceHash).trim();
  if (isTreeUrl(h) || isHttp(h) || h.startsWith('file://') || isAbsolute(h)) {
    let text: string;
    try {
      text = (await readAny(h, ctx)).toString('utf8');
    } catch (e) {
      return `Source hash file ${h} not found (${(e as Error).message})`;
    }
    const fileName = basename(source.replace(/[?#].*$/, ''));
    return hashFromFile(text, fileName, sourceHashName) ?? `Source hash ${h} does not contain a hash for ${sourceHashName ?? fileName}`;
  }
  return parseHash(h) ?? invalidHashFormat(h);
}

async function readAny(url: string, ctx: StateContext): Promise<Buffer> {
  if (isTreeUrl(url)) return ctx.files.read(url);
  if (url.startsWith('file://')) return readFile(url.slice('file://'.length));
  if (isAbsolute(url)) return readFile(url);
  const r = await fetch(url);
  if (!r.ok) throw new Error(`HTTP ${r.status}: ${r.statusText}`);
  return Buffer.from(await r.arrayBuffer());
}

export async function hashFile(path: string, type: string): Promise<string> {
  const h = createHash(type);
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** The cache dir Salt's __opts__['cachedir'] is to this run (the CLI passes its --cachedir). */
export function cacheDir(ctx: StateContext): string {
  return typeof ctx.opts.cachedir === 'string' ? ctx.opts.cachedir : '/var/cache/umec';
}

/** Where a remote source is cached: files/<env>/<path> for the state tree, extrn_files/<env>/<host>/<path> for URLs. */
export function cachePath(source: string, ctx: StateContext): string {
  const env = typeof ctx.opts.saltenv === 'string' ? ctx.opts.saltenv : 'base';
  if (isTreeUrl(source)) return join(cacheDir(ctx), 'files', env, treePath(source));
  const u = new URL(source);
  return join(cacheDir(ctx), 'extrn_files', env, u.host, decodeURIComponent(u.pathname).replace(/^\/+/, '') || 'index.html');
}

/** The first source in the list that exists (file.source_list); a single source is taken as it is. */
export async function pickSource(source: unknown, ctx: StateContext): Promise<string | undefined> {
  const list = Array.isArray(source) ? source.map((s) => (s !== null && typeof s === 'object' ? Object.keys(s as object)[0] : String(s))) : [String(source)];
  if (list.length === 1) return list[0];
  for (const s of list) {
    if (isHttp(s)) return s;
    if (isTreeUrl(s)) { if (await ctx.files.read(s).then(() => true, () => false)) return s; continue; }
    const p = s.startsWith('file://') ? s.slice('file://'.length) : s;
    if (await stat(p).then((st) => st.isFile(), () => false)) return s;
  }
  return undefined;
}

/** A local source's real path (file:// dropped, ~ expanded), as Salt checks and names it. */
export async function localPath(source: string): Promise<string> {
  let p = source.startsWith('file://') ? source.slice('file://'.length) : source;
  if (p.startsWith('~/') && process.env.HOME) p = join(process.env.HOME, p.slice(2));
  p = p.replace(/\/+$/, '');
  return realpath(p).catch(() => p);
}

/** Result of caching a remote source: its path, or Salt's failed file.cached return. */
export type Cached = { path: string } | { error: string };

/**
 * file.cached for a state-tree or http(s) source: the tree file is copied into the cache; a URL
 * is downloaded unless the cached copy already has the expected hash; the download is checked
 * against source_hash unless skip_verify.
 */
export async function cacheSource(source: string, sum: SourceSum | undefined, skipVerify: boolean, ctx: StateContext): Promise<Cached> {
  const dest = cachePath(source, ctx);
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  if (isTreeUrl(source)) {
    let data: Buffer;
    try { data = await ctx.files.read(source); } catch (e) { return { error: `Unable to cache ${source}: ${(e as Error).message}` }; }
    const old = await readFile(dest).catch(() => undefined);
    if (!old?.equals(data)) await writeAtomic(dest, data);
  } else {
    if (sum && await stat(dest).then(() => true, () => false) && await hashFile(dest, sum.hash_type) === sum.hsum) return { path: dest };
    try {
      const r = await fetch(source);
      if (!r.ok || !r.body) return { error: `Failed to cache ${redact(source)}: Error: HTTP ${r.status}: ${r.statusText} reading ${redact(source)}` };
      const tmp = `${dest}.part-${process.pid}`;
      await pipeline(Readable.fromWeb(r.body as import('node:stream/web').ReadableStream), (await import('node:fs')).createWriteStream(tmp));
      await rename(tmp, dest);
    } catch (e) {
      return { error: `Failed to cache ${redact(source)}: ${(e as Error).message}` };
    }
  }
  if (sum && !skipVerify) {
    const actual = await hashFile(dest, sum.hash_type);
    if (actual !== sum.hsum) {
      await rm(dest, { force: true });
      return { error: `File is present on the minion, but the hash (${actual}) does not match the specified hash (${sum.hsum})` };
    }
  }
  return { path: dest };
}

async function writeAtomic(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.part-${process.pid}`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}
