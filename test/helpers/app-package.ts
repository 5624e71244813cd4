import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A docker-archive shaped tarball (manifest.json naming a config digest) without a
 * runtime: enough for the master, which only reads the manifest.
 */
export async function fakeImageTar(file: string, seed: string, tag: string): Promise<string> {
  const dir = `${file}.d`;
  const { createHash } = await import('node:crypto');
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', seed });
  const hex = createHash('sha256').update(config).digest('hex');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${hex}.json`), config);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: `${hex}.json`, RepoTags: [tag], Layers: [] }]));
  execFileSync('tar', ['-C', dir, '-cf', file, 'manifest.json', `${hex}.json`]);
  return `sha256:${hex}`;
}

/** Writes a package directory: app.yaml text plus files. */
export async function writePackage(dir: string, appYaml: string, files: Record<string, string | Buffer> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'app.yaml'), appYaml);
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), c);
  }
}
