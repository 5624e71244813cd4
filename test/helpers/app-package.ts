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

/** A one-container package `cam` 1.0 with a fake image tarball at images/detector.tar, written under `root`; returns its directory. */
export async function writeCamPackage(root: string): Promise<string> {
  const pkg = join(root, 'cam-1.0');
  await writePackage(pkg, 'name: cam\nversion: "1.0"\ncontainers:\n  - name: detector\n    image: localhost/cam/detector:1.0\n    image_file: images/detector.tar\n');
  await fakeImageTar(join(pkg, 'images', 'detector.tar'), 'v1', 'localhost/cam/detector:1.0');
  return pkg;
}

/** A three-container app from one busybox image tarball (images/base.tar, tag localhost/demo/base:1). */
export function demoAppYaml(o: { version?: string; workerEnv?: string; drop?: boolean } = {}): string {
  return `name: demo
version: "${o.version ?? '1.0.0'}"
description: three containers from one image tarball
containers:
  - name: web
    image: localhost/demo/base:1
    image_file: images/base.tar
    command: ["/bin/httpd", "-f", "-p", "8080", "-h", "/www"]
    env: {ROLE: web}
  - name: api
    image: localhost/demo/base:1
    image_file: images/base.tar
    command: ["/bin/sleep", "3600"]
    env: {ROLE: api}
${o.drop ? '' : `  - name: worker
    image: localhost/demo/base:1
    image_file: images/base.tar
    command: ["/bin/sleep", "3600"]
    env: {ROLE: worker, LEVEL: "${o.workerEnv ?? '1'}"}
`}required_services:
  - ser_name: location
provided_services:
  - ser_name: demo-web
    version: "1.0"
    container: web
    port: 8080
resources: {memory: 256Mi, cpus: 1}
grace_period: 5
stop_timeout: 1
`;
}
