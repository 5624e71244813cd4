import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppStore } from '../../master/apps.js';
import { tempDir } from '../helpers/context.js';
import { fakeImageTar, writePackage } from '../helpers/app-package.js';

const YAML = (version: string, extra = '') => `name: cam
version: "${version}"
containers:
  - name: detector
    image: localhost/cam/detector:${version}
    image_file: images/detector.tar
    env: {MODEL: small}
  - name: proxy
    image: docker.io/library/nginx:1.27
required_services: [{ser_name: rnis}]
provided_services: [{ser_name: cam-events, version: "1", container: detector, port: 9000}]
${extra}`;

test('on-board a package directory: stored whole with hashes and the image id; again: unchanged', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'images'), { recursive: true });
    const id = await fakeImageTar(join(pkg, 'images', 'detector.tar'), 'v1', 'localhost/cam/detector:1.0');
    await writeFile(join(pkg, 'app.yaml'), YAML('1.0'));
    const store = await AppStore.open(join(dir, 'apps'));
    const r = await store.onboard(pkg);
    assert.equal(r.status, 'onboarded');
    assert.equal(r.app.name, 'cam');
    assert.deepEqual(r.app.containers, ['detector', 'proxy']);
    assert.deepEqual(r.app.images['images/detector.tar'], { id, tags: ['localhost/cam/detector:1.0'] });
    const tarBytes = await readFile(join(pkg, 'images', 'detector.tar'));
    const h = createHash('sha256').update(tarBytes).digest('hex');
    assert.equal(r.app.files['images/detector.tar'].sha256, h);
    assert.deepEqual(await store.read(h), tarBytes, 'package files are served by hash');
    assert.equal(await readFile(join(dir, 'apps', 'cam', '1.0', 'app.yaml'), 'utf8'), YAML('1.0'));
    assert.equal((await store.onboard(pkg)).status, 'unchanged');

    const reopened = await AppStore.open(join(dir, 'apps'));
    assert.deepEqual(reopened.list().map((a) => `${a.name}@${a.version}`), ['cam@1.0']);
    assert.deepEqual(await reopened.read(h), tarBytes);
    assert.equal(reopened.get('cam')?.version, '1.0');
  } finally { await cleanup(); }
});

test('a version is immutable: different content under the same version is refused and the stored one is kept', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'images'), { recursive: true });
    await fakeImageTar(join(pkg, 'images', 'detector.tar'), 'v1', 't:1');
    await writeFile(join(pkg, 'app.yaml'), YAML('1.0'));
    const store = await AppStore.open(join(dir, 'apps'));
    const first = await store.onboard(pkg);
    await writeFile(join(pkg, 'app.yaml'), YAML('1.0').replace('small', 'large'));
    await assert.rejects(store.onboard(pkg), (e: Error & { code?: string }) => e.code === 'APP_EXISTS' && /cam version 1\.0/.test(e.message));
    assert.equal(store.get('cam', '1.0')?.digest, first.app.digest);
    assert.equal(await readFile(join(dir, 'apps', 'cam', '1.0', 'app.yaml'), 'utf8'), YAML('1.0'));
    await writeFile(join(pkg, 'app.yaml'), YAML('1.1'));
    assert.equal((await store.onboard(pkg)).status, 'onboarded');
    assert.equal(store.get('cam')?.version, '1.1', 'without a version: the last on-boarded');
    assert.deepEqual((await readdir(join(dir, 'apps'))).sort(), ['cam'], 'no temp dirs left behind');
  } finally { await cleanup(); }
});

test('on-board a tar and a tar.gz (with or without a top directory)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pkg = join(dir, 'cam-2.0');
    await mkdir(join(pkg, 'images'), { recursive: true });
    await fakeImageTar(join(pkg, 'images', 'detector.tar'), 'v2', 't:2');
    await writeFile(join(pkg, 'app.yaml'), YAML('2.0'));
    execFileSync('tar', ['-C', dir, '-czf', join(dir, 'cam.tgz'), 'cam-2.0']);
    execFileSync('tar', ['-C', pkg, '-cf', join(dir, 'cam.tar'), '.']);
    const store = await AppStore.open(join(dir, 'apps'));
    assert.equal((await store.onboard(join(dir, 'cam.tgz'))).status, 'onboarded');
    assert.equal((await store.onboard(join(dir, 'cam.tar'))).status, 'unchanged', 'same content, however packed');
  } finally { await cleanup(); }
});

test('bad packages: clear errors naming file, line and field; nothing is stored', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const store = await AppStore.open(join(dir, 'apps'));
    const bad = async (name: string, yaml: string, files: Record<string, string | Buffer>, re: RegExp) => {
      const pkg = join(dir, name);
      await writePackage(pkg, yaml, files);
      await assert.rejects(store.onboard(pkg), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'APP_PACKAGE', e.message);
        assert.match(e.message, re);
        return true;
      });
    };
    await bad('p1', YAML('1').replace('env: {MODEL: small}', 'env: {MODEL: small}\n    restart: sometimes'), {},
      new RegExp(`${join(dir, 'p1', 'app.yaml').replace(/[/.]/g, '\\$&')}:8: containers\\.0\\.restart must be one of`));
    await bad('p2', YAML('1'), {}, /containers\.0\.image_file: images\/detector\.tar is not in the package/);
    await bad('p3', YAML('1'), { 'images/detector.tar': 'not a tar at all' }, /not an image tarball|not a readable image tarball/);
    await bad('p4', 'name: cam\nversion: "1"\n', {}, /p4\/app\.yaml:1: containers is required/);
    await bad('p5', 'name: cam\nversion: "1"\ncontainers: [\n', {}, /p5\/app\.yaml:\d+: /);
    await writePackage(join(dir, 'p6'), YAML('1'));
    await symlink('/etc/passwd', join(dir, 'p6', 'leak'));
    await assert.rejects(store.onboard(join(dir, 'p6')), /p6\/leak: only regular files/);
    await assert.rejects(store.onboard(join(dir, 'missing')), (e: Error & { code?: string }) => e.code === 'APP_PACKAGE' && /cannot read/.test(e.message));
    await writeFile(join(dir, 'junk.tar'), 'junk');
    await assert.rejects(store.onboard(join(dir, 'junk.tar')), /junk\.tar/);
    assert.deepEqual(store.list(), []);
    assert.deepEqual(await readdir(join(dir, 'apps')), []);
  } finally { await cleanup(); }
});
