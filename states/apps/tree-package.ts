import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { UmecError } from '../../lib/errors.js';
import { bufferSource } from '../containers/images.js';
import type { FileClient } from '../types.js';
import { parseAppYaml } from './descriptor.js';
import type { AppPackage } from './package.js';

const TAR = /\.(tar|tar\.gz|tgz)$/;

/** Files of a package tarball, in memory, by path (leading ./ and one top directory holding app.yaml removed). */
export async function untarPackage(bytes: Buffer, what: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const parser = new Parser({
    onReadEntry: (e: ReadEntry) => {
      if (e.type !== 'File' && e.type !== 'OldFile') { e.resume(); return; }
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => files.set(e.path.replace(/^\.\//, ''), Buffer.concat(chunks)));
    },
  });
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  try {
    await (gz ? pipeline(Readable.from([bytes]), createGunzip(), parser as unknown as NodeJS.WritableStream)
      : pipeline(Readable.from([bytes]), parser as unknown as NodeJS.WritableStream));
  } catch (e) {
    throw new UmecError('APP_PACKAGE', { file: what, reason: `not a readable tar: ${(e as Error).message}` });
  }
  if (!files.has('app.yaml')) {
    const top = [...files.keys()].find((p) => /^[^/]+\/app\.yaml$/.test(p));
    if (top) {
      const prefix = top.slice(0, top.indexOf('/') + 1);
      return new Map([...files].filter(([p]) => p.startsWith(prefix)).map(([p, b]) => [p.slice(prefix.length), b]));
    }
  }
  return files;
}

/** An app package from the state tree: `umec://path/to/pkg` (a directory with app.yaml) or a tar of one. */
export async function treePackage(files: FileClient, url: string): Promise<AppPackage> {
  if (TAR.test(url)) {
    const all = await untarPackage(await files.read(url), url);
    const yaml = all.get('app.yaml');
    if (!yaml) throw new UmecError('APP_PACKAGE', { file: url, reason: 'no app.yaml in the package' });
    const descriptor = parseAppYaml(yaml.toString('utf8'), `${url}:app.yaml`);
    return {
      descriptor, origin: url,
      image: (file) => bufferSource(`${url}:${file}`, async () => {
        const b = all.get(file);
        if (!b) throw new UmecError('APP_PACKAGE', { file: url, reason: `image_file ${file} is not in the package` });
        return b;
      }),
    };
  }
  const base = url.replace(/\/+$/, '');
  const descriptor = parseAppYaml((await files.read(`${base}/app.yaml`)).toString('utf8'), files.describe(`${base}/app.yaml`));
  return { descriptor, origin: url, image: (file) => bufferSource(`${base}/${file}`, () => files.read(`${base}/${file}`)) };
}
