import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lchown, open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Member } from './plan.js';

/*
 * Reading tar archives as Python's tarfile does for Salt (plain, gzip, bzip2, xz): listing the
 * members, and extracting them with the modes and owners the archive records. node-tar parses
 * and writes; bzip2 and xz go through the box's bzip2/xz commands, which node does not speak.
 */

export class TarReadError extends Error {}

/** The decompressor a file's first bytes call for (undefined: a plain tar). */
async function compression(path: string): Promise<'gzip' | 'bzip2' | 'xz' | undefined> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(6);
    await fh.read(b, 0, 6, 0);
    if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (b.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
    if (b.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    return undefined;
  } finally {
    await fh.close();
  }
}

/** The archive's tar stream, decompressed; `done` settles when the decompressor has finished. */
async function tarStream(path: string): Promise<{ stream: Readable; done: Promise<void> }> {
  const kind = await compression(path);
  if (kind === undefined) return { stream: createReadStream(path), done: Promise.resolve() };
  if (kind === 'gzip') {
    const gunzip = createGunzip();
    return { stream: gunzip, done: pipeline(createReadStream(path), gunzip) };
  }
  const child = spawn(kind, ['-dc', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<void>((ok, fail) => {
    child.on('error', (e) => fail(new TarReadError(`${kind} is needed to read ${path}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? ok() : fail(new TarReadError(`${kind} could not decompress ${path}: ${err.trim()}`))));
  });
  return { stream: child.stdout, done };
}

interface Entry { path: string; type: string; mode?: number; uid?: number; gid?: number; uname?: string; gname?: string }

/** Python's tarfile name: a directory's trailing slashes dropped. */
const memberName = (e: Entry): string => (e.type === 'Directory' ? e.path.replace(/\/+$/, '') : e.path);

const kindOf = (type: string): Member['kind'] => (type === 'Directory' ? 'dir' : type === 'SymbolicLink' ? 'link' : 'file');

/** Every member of the archive, in archive order. Throws TarReadError when it is not a readable tar. */
export async function listTar(path: string): Promise<(Member & Entry)[]> {
  const { Parser } = await import('tar');
  const out: (Member & Entry)[] = [];
  const { stream, done } = await tarStream(path);
  let warning: string | undefined;
  const parser = new Parser({
    strict: true,
    onwarn: (code, msg) => { warning ??= `${code}: ${String(msg)}`; },
    onReadEntry: (e) => {
      const entry: Entry = { path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname };
      out.push({ ...entry, name: memberName(entry), kind: kindOf(e.type) });
      e.resume();
    },
  });
  try {
    await Promise.all([pipeline(stream, parser), done]);
  } catch (e) {
    throw new TarReadError((e as Error).message);
  }
  if (warning && out.length === 0) throw new TarReadError(warning);
  if (out.length === 0) throw new TarReadError(`${path} holds no tar members`);
  return out;
}

export interface Owners { uid(name: string | undefined): Promise<number | undefined>; gid(name: string | undefined): Promise<number | undefined> }

/**
 * tarfile.extractall(dest): every member written, then (as tarfile does) each one's mode set
 * exactly as recorded, and when running as root its owner by the archive's user and group
 * names, falling back to the numeric ids. Returns tar.getnames().
 */
export async function extractTar(path: string, dest: string, owners: Owners): Promise<string[]> {
  const { Unpack } = await import('tar');
  const members = await listTar(path);
  const { stream, done } = await tarStream(path);
  const unpack = new Unpack({ cwd: dest, strict: true, preserveOwner: false });
  try {
    await Promise.all([pipeline(stream, unpack), done]);
  } catch (e) {
    throw new TarReadError((e as Error).message);
  }
  const root = resolve(dest);
  const asRoot = process.getuid?.() === 0;
  for (const m of members) {
    const target = join(root, m.path.replace(/^\/+/, ''));
    if (!target.startsWith(root + sep) || m.path.split('/').includes('..')) continue; // node-tar refused it too
    if (asRoot) {
      const uid = (await owners.uid(m.uname)) ?? m.uid ?? -1;
      const gid = (await owners.gid(m.gname)) ?? m.gid ?? -1;
      await lchown(target, uid, gid).catch(() => undefined);
    }
    if (m.kind !== 'link' && m.mode !== undefined) await chmod(target, m.mode & 0o7777).catch(() => undefined);
  }
  return members.map((m) => m.name);
}
