import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Header, Parser, create as tarCreate, type ReadEntry } from 'tar';
import { stringify } from 'yaml';
import { UmecError } from '../lib/errors.js';
import { fsyncDir } from '../lib/fs-atomic.js';
import { keyId, type Keyring } from './keys.js';
import { parseManifest, sourceManifestSchema, type Manifest, type ManifestImage, type SourceManifest } from './manifest.js';

/**
 * A bundle is an uncompressed ustar archive: manifest.yaml, then manifest.sig
 * (a fixed 512-byte JSON record with the ed25519 signature over the manifest's
 * exact bytes), then the images in manifest order. Manifest and signature come
 * first, so a bundle is checked before its images are read, and signing
 * rewrites 512 bytes in place.
 */
export const MANIFEST = 'manifest.yaml';
export const SIGNATURE = 'manifest.sig';
const SIG_SIZE = 512;
const MAX_MANIFEST = 1 << 20;

export interface BundleImage extends ManifestImage { /** Byte offset of the image data in the bundle. */ offset: number }

export interface InspectedBundle {
  manifest: Manifest;
  keyId: string;
  images: BundleImage[];
}

/** Receives image bytes as they stream by (single-pass install); data() must not keep the parser waiting. */
export interface ImageSink {
  begin(img: BundleImage): void;
  data(img: BundleImage, chunk: Buffer): void;
  /** Called only when the image hashed right. */
  end(img: BundleImage): void;
  /** Awaited after each input chunk: back-pressure from the slot. */
  drain(): Promise<void>;
}

export interface InspectOptions {
  /** Name for messages (path or URL). */
  label: string;
  keyring: Keyring;
  /** Throws (or returns a reason) when the manifest does not fit the box; runs before any image byte is read. */
  check?: (m: Manifest) => string | undefined;
  /** Called as bundle bytes are consumed. */
  onBytes?: (total: number) => void;
  signal?: AbortSignal;
  /** Streams each verified-so-far image here (after signature and compatibility checks passed). */
  image?: ImageSink;
  /** Size of the whole bundle when known up front: a short one is refused before any image byte. */
  totalSize?: () => number | undefined;
}

function sigRecord(o: { alg: 'ed25519'; key: string; sig: string } | { alg: 'none' }): Buffer {
  const text = JSON.stringify(o);
  return Buffer.from(`${text}${' '.repeat(SIG_SIZE - text.length - 1)}\n`);
}

/** Checks the signature record against the keyring; returns the key id. */
export function checkSignature(manifest: Buffer, sigBytes: Buffer, keyring: Keyring, bundle: string): string {
  let rec: { alg?: string; key?: string; sig?: string };
  try { rec = JSON.parse(sigBytes.toString('utf8')) as typeof rec; } catch {
    throw new UmecError('FW_SIGNATURE', { bundle, reason: 'signature record is damaged' });
  }
  if (rec.alg === 'none') throw new UmecError('FW_SIGNATURE', { bundle, reason: 'bundle is not signed (umec firmware bundle sign --key KEY)' });
  if (rec.alg !== 'ed25519' || typeof rec.key !== 'string' || typeof rec.sig !== 'string') {
    throw new UmecError('FW_SIGNATURE', { bundle, reason: `unsupported signature algorithm ${JSON.stringify(rec.alg)}` });
  }
  const key = keyring.keys.get(rec.key);
  if (!key) throw new UmecError('FW_SIGNATURE', { bundle, reason: `signed with key ${rec.key}, which is not in the keyring ${keyring.dir} (has ${[...keyring.keys.keys()].join(', ') || 'no keys'})` });
  if (!verify(null, manifest, key, Buffer.from(rec.sig, 'base64'))) {
    throw new UmecError('FW_SIGNATURE', { bundle, reason: `bad signature: the manifest was changed after signing or the signature is not from key ${rec.key}` });
  }
  return rec.key;
}

const bad = (bundle: string, reason: string) => new UmecError('FW_BUNDLE', { bundle, reason });

/**
 * Streams a bundle through the tar parser: verifies the signature and
 * compatibility as soon as the manifest arrives (before any image byte is
 * read), then hashes each image while it streams by. Memory stays flat: image
 * bytes are hashed and dropped. Throws on the first problem, which stops the
 * caller's download.
 */
export async function inspectBundle(chunks: AsyncIterable<Buffer>, o: InspectOptions): Promise<InspectedBundle> {
  const bundle = o.label;
  const parser = new Parser({ strict: true });
  let failure: Error | undefined;
  const fail = (e: unknown) => { failure ??= e instanceof Error ? e : new Error(String(e)); };
  let ending = false;
  // at the end, a short archive is reported below with the image and byte counts
  parser.on('warn', (_code: string, msg: string | Error) => ending || fail(bad(bundle, `not a valid bundle archive: ${typeof msg === 'string' ? msg : msg.message}`)));
  parser.on('error', (e: Error) => ending || fail(bad(bundle, `not a valid bundle archive: ${e.message}`)));
  let manifest: Manifest | undefined;
  let manifestBytes: Buffer | undefined;
  let signer: string | undefined;
  const images: BundleImage[] = [];
  const done = new Map<string, { bytes: number; hash?: string }>();
  let index = 0;
  let pos = 0;
  parser.on('entry', (entry: ReadEntry) => {
    try {
      const offset = pos + 512;
      pos = offset + entry.startBlockSize;
      if (entry.extended || entry.globalExtended || entry.path.length > 100) throw bad(bundle, `entry ${entry.path} uses extended tar headers; make bundles with umec firmware bundle create`);
      if (entry.type !== 'File' && entry.type !== 'OldFile') throw bad(bundle, `entry ${entry.path} is a ${entry.type}, not a file`);
      const i = index++;
      if (i === 0) {
        if (entry.path !== MANIFEST) throw bad(bundle, `first entry must be ${MANIFEST}, found ${entry.path}`);
        if (entry.size > MAX_MANIFEST) throw bad(bundle, `${MANIFEST} is larger than 1 MiB`);
        const parts: Buffer[] = [];
        entry.on('data', (c: Buffer) => parts.push(Buffer.from(c)));
        entry.on('end', () => {
          try {
            manifestBytes = Buffer.concat(parts);
            manifest = parseManifest(manifestBytes.toString('utf8'), MANIFEST, undefined, bundle);
          } catch (e) { fail(e); }
        });
        return;
      }
      if (i === 1) {
        if (entry.path !== SIGNATURE || entry.size !== SIG_SIZE) throw bad(bundle, `second entry must be ${SIGNATURE} (${SIG_SIZE} bytes), found ${entry.path}`);
        const parts: Buffer[] = [];
        entry.on('data', (c: Buffer) => parts.push(Buffer.from(c)));
        entry.on('end', () => {
          try {
            if (!manifest || !manifestBytes) return;
            const key = checkSignature(manifestBytes, Buffer.concat(parts), o.keyring, bundle);
            const why = o.check?.(manifest);
            if (why) throw new UmecError('FW_INCOMPATIBLE', { bundle, reason: why });
            const need = manifest.images.reduce((a, img) => a + 512 + 512 * Math.ceil(img.size / 512), pos);
            const have = o.totalSize?.();
            if (have !== undefined && have < need) throw bad(bundle, `truncated: ${have} bytes, the manifest needs at least ${need}`);
            signer = key;
          } catch (e) { fail(e); }
        });
        return;
      }
      if (failure) { entry.resume(); return; }
      if (!manifest || !signer) throw bad(bundle, 'image before a verified manifest');
      const want = manifest.images[i - 2];
      if (!want) throw bad(bundle, `entry ${entry.path} is not listed in the manifest`);
      if (entry.path !== want.file) throw bad(bundle, `expected image ${want.file} (manifest order), found ${entry.path}`);
      if (entry.size !== want.size) throw bad(bundle, `image ${want.file} is ${entry.size} bytes in the archive, the manifest says ${want.size}`);
      images.push({ ...want, offset });
      const h = createHash('sha256');
      const rec: { bytes: number; hash?: string } = { bytes: 0 };
      done.set(want.file, rec);
      const sink = o.image;
      const img = images[images.length - 1];
      sink?.begin(img);
      entry.on('data', (c: Buffer) => { h.update(c); rec.bytes += c.length; sink?.data(img, c); });
      entry.on('end', () => {
        rec.hash = h.digest('hex');
        if (rec.bytes === want.size && rec.hash !== want.sha256) fail(bad(bundle, `image ${want.file} does not match its sha256 in the manifest (got ${rec.hash})`));
        else if (rec.bytes === want.size) sink?.end(img);
      });
    } catch (e) {
      fail(e);
      entry.resume();
    }
  });
  const ended = new Promise<void>((r) => parser.on('end', () => r()));
  let total = 0;
  for await (const chunk of chunks) {
    if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('cancelled');
    parser.write(chunk);
    total += chunk.length;
    o.onBytes?.(total);
    if (failure) throw failure;
    await o.image?.drain();
  }
  ending = true;
  parser.end();
  await ended;
  if (failure) throw failure;
  if (!manifest) throw bad(bundle, total === 0 ? 'empty file' : `truncated or not a bundle: no ${MANIFEST}`);
  if (!signer) throw bad(bundle, `truncated: no ${SIGNATURE}`);
  for (const img of manifest.images) {
    const rec = done.get(img.file);
    if (!rec) throw bad(bundle, `truncated: image ${img.file} is missing`);
    if (rec.bytes !== img.size) throw bad(bundle, `truncated: image ${img.file} has ${rec.bytes} of ${img.size} bytes`);
  }
  return { manifest, keyId: signer, images };
}

/** Inspects a bundle file on disk. */
export async function inspectBundleFile(file: string, o: Omit<InspectOptions, 'label'> & { label?: string }): Promise<InspectedBundle> {
  let size: number;
  try { size = (await stat(file)).size; } catch (e) { throw bad(file, `cannot read: ${(e as Error).message}`); }
  return inspectBundle(fileChunks(file), { ...o, label: o.label ?? file, totalSize: () => size });
}

/**
 * Reads a file into two alternating buffers: no allocation per chunk, so memory stays flat.
 * A chunk is valid until the next-but-one is read (the tar parser copies any
 * partial block it keeps before then).
 */
export async function* fileChunks(file: string, size = 1 << 20): AsyncGenerator<Buffer> {
  const fh = await open(file, 'r');
  try {
    const bufs = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    for (let pos = 0, k = 0; ; k ^= 1) {
      const { bytesRead } = await fh.read(bufs[k], 0, size, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield bufs[k].subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function sha256File(file: string): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) { h.update(c as Buffer); size += (c as Buffer).length; }
  return { size, sha256: h.digest('hex') };
}

/**
 * `umec firmware bundle create`: reads a source manifest (images as paths,
 * relative to the manifest), hashes the images and writes an unsigned bundle.
 */
export async function createBundle(manifestFile: string, out: string): Promise<Manifest> {
  let text: string;
  try { text = await readFile(manifestFile, 'utf8'); } catch (e) { throw bad(manifestFile, `cannot read: ${(e as Error).message}`); }
  const src = parseManifest<SourceManifest>(text, manifestFile, sourceManifestSchema);
  const images: ManifestImage[] = [];
  const paths: string[] = [];
  for (const [i, img] of src.images.entries()) {
    const path = resolve(dirname(manifestFile), img.file);
    const name = basename(path);
    if (!/^(?!manifest\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) throw bad(manifestFile, `images.${i}.file: ${name} is not a usable image name (letters, digits, . _ -)`);
    if (images.some((x) => x.file === name)) throw bad(manifestFile, `images.${i}.file: two images are named ${name}`);
    let info;
    try { info = await sha256File(path); } catch (e) { throw bad(manifestFile, `images.${i}.file: cannot read ${path}: ${(e as Error).message}`); }
    images.push({ slot: img.slot, file: name, ...info });
    paths.push(path);
  }
  const manifest: Manifest = { ...src, format: 1, images };
  const dir = await mkdtemp(join(tmpdir(), 'umec-bundle-'));
  const tmpOut = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(join(dir, MANIFEST), stringify(manifest));
    await writeFile(join(dir, SIGNATURE), sigRecord({ alg: 'none' }));
    for (const [i, img] of images.entries()) await symlink(paths[i], join(dir, img.file));
    await tarCreate({ file: tmpOut, cwd: dir, follow: true, noPax: true, portable: true }, [MANIFEST, SIGNATURE, ...images.map((x) => x.file)]);
    const fh = await open(tmpOut, 'r+');
    try { await fh.sync(); } finally { await fh.close(); }
    await rename(tmpOut, out);
    await fsyncDir(dirname(resolve(out)));
  } catch (e) {
    await unlink(tmpOut).catch(() => undefined);
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return manifest;
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, pos);
  return b.subarray(0, bytesRead);
}

/** `umec firmware bundle sign`: signs the manifest and writes the 512-byte signature record in place. */
export async function signBundle(file: string, key: KeyObject, pub: KeyObject): Promise<{ keyId: string; manifest: Manifest }> {
  let fh;
  try { fh = await open(file, 'r+'); } catch (e) { throw bad(file, `cannot open: ${(e as Error).message}`); }
  try {
    const h0 = new Header(await readAt(fh, 0, 512));
    if (h0.path !== MANIFEST || !h0.cksumValid) throw bad(file, `not a umec bundle (first entry is not ${MANIFEST})`);
    const mbytes = await readAt(fh, 512, h0.size!);
    const manifest = parseManifest(mbytes.toString('utf8'), MANIFEST, undefined, file);
    const sigHeaderAt = 512 + 512 * Math.ceil(h0.size! / 512);
    const h1 = new Header(await readAt(fh, sigHeaderAt, 512));
    if (h1.path !== SIGNATURE || h1.size !== SIG_SIZE || !h1.cksumValid) throw bad(file, `not a umec bundle (second entry is not ${SIGNATURE})`);
    const id = keyId(pub);
    const sig = sign(null, mbytes, key).toString('base64');
    await fh.write(sigRecord({ alg: 'ed25519', key: id, sig }), 0, SIG_SIZE, sigHeaderAt + 512);
    await fh.sync();
    return { keyId: id, manifest };
  } finally {
    await fh.close();
  }
}

/** Reads the tar header in front of an image and checks it is the one the inspection saw (guards offsets). */
export async function checkImageHeader(fh: Awaited<ReturnType<typeof open>>, img: BundleImage, bundle: string): Promise<void> {
  const h = new Header(await readAt(fh, img.offset - 512, 512));
  if (!h.cksumValid || h.path !== img.file || h.size !== img.size) throw bad(bundle, `image ${img.file} is not where the archive said it is`);
}
