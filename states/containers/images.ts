import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { UmecError } from '../../lib/errors.js';
import type { ContainerRuntime } from './runtime.js';

/** Where an image comes from: a registry, or a docker-archive tarball (from the state tree or an app package). */
export type ImageSource =
  | { kind: 'registry' }
  | {
    kind: 'archive';
    /** Names the tarball in messages (umec://..., package file). */
    what: string;
    /** The image id if already known (an on-boarded package records it), so the tarball need not be read to decide. */
    id?: string;
    open(): Promise<Readable>;
  };

export interface ArchiveManifest { id: string; tags: string[] }

/** Image id and tags from a docker-archive's manifest.json (the config digest is the image id). */
export async function readArchiveManifest(archive: Readable, what: string): Promise<ArchiveManifest> {
  let text: string | undefined;
  const parser = new Parser({
    filter: (p) => p.replace(/^\.\//, '') === 'manifest.json',
    onReadEntry: (e: ReadEntry) => {
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => { text = Buffer.concat(chunks).toString('utf8'); });
    },
  });
  try {
    await pipeline(archive, parser as unknown as NodeJS.WritableStream);
  } catch (e) {
    throw new UmecError('APP_PACKAGE', { file: what, reason: `not a readable image tarball: ${(e as Error).message}` });
  }
  if (text === undefined) throw new UmecError('APP_PACKAGE', { file: what, reason: 'not an image tarball (docker save / podman save): no manifest.json' });
  let m: { Config?: string; RepoTags?: string[] | null }[];
  try { m = JSON.parse(text) as typeof m; } catch { throw new UmecError('APP_PACKAGE', { file: what, reason: 'manifest.json is not JSON' }); }
  const first = Array.isArray(m) ? m[0] : undefined;
  const hex = /([0-9a-f]{64})(?:\.json)?$/.exec(first?.Config ?? '')?.[1];
  if (!first || !hex) throw new UmecError('APP_PACKAGE', { file: what, reason: 'manifest.json names no image config' });
  if (m.length > 1) throw new UmecError('APP_PACKAGE', { file: what, reason: 'holds several images; give one image per tarball' });
  return { id: `sha256:${hex}`, tags: first.RepoTags ?? [] };
}

export interface ImageTarget {
  /** The id the image has (or will have); undefined for a registry image not on the box. */
  id?: string;
  /** The reference already points at that id on the box: nothing to fetch. */
  local: boolean;
}

/** Where the image stands, without transferring anything that is already known. */
export async function imageTarget(rt: ContainerRuntime, ref: string, src: ImageSource): Promise<ImageTarget> {
  const have = await rt.inspectImage(ref);
  if (src.kind === 'registry') return { id: have?.id, local: !!have };
  const id = src.id ?? (await readArchiveManifest(await src.open(), src.what)).id;
  return { id, local: have?.id === id };
}

/**
 * Makes `ref` name the target image: tags it if the id is already on the box
 * (nothing transferred), else loads the tarball or pulls. Returns what was done.
 */
export async function fetchImage(rt: ContainerRuntime, ref: string, src: ImageSource, target: ImageTarget): Promise<'pulled' | 'loaded' | 'tagged'> {
  if (src.kind === 'registry') {
    await rt.pullImage(ref);
    return 'pulled';
  }
  let how: 'loaded' | 'tagged' = 'tagged';
  if (!target.id || !(await rt.inspectImage(target.id))) {
    await rt.loadImage(await src.open(), src.what);
    how = 'loaded';
  }
  const now = await rt.inspectImage(target.id ?? ref);
  if (!now) throw new UmecError('IMAGE_NOT_FOUND', { image: ref, reason: `${src.what} was loaded but image ${target.id} is not there` });
  if (!now.tags.includes(ref) && (await rt.inspectImage(ref))?.id !== now.id) await rt.tagImage(now.id, ref);
  return how;
}

export function bufferSource(what: string, read: () => Promise<Buffer>, id?: string): ImageSource {
  return { kind: 'archive', what, id, open: async () => Readable.from([await read()]) };
}
