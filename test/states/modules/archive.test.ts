import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { create as tarCreate } from 'tar';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { archiveModule } from '../../../states/modules/archive/index.js';
import { listContents } from '../../../states/modules/archive/plan.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';
import { python } from '../salt/python.js';

const registry = new StateRegistry([archiveModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });

interface Env { tree: string; out: (...f: string[]) => string; run: (a: StateArgs, testMode?: boolean) => Promise<StateReturn>; cache: string; dir: string }

/** A state tree (salt://) holding archives made here with node-tar, a destination root and a cache dir. */
async function withEnv(fn: (e: Env) => Promise<void>) {
  const t = await tempDir('umec-archive-');
  const tree = join(t.dir, 'tree');
  const cache = join(t.dir, 'cache');
  await mkdir(join(tree, 'pkgs'), { recursive: true });
  await mkdir(join(t.dir, 'out'));
  const run = async (args: StateArgs, testMode = false) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('archive', 'extracted', own);
    assert.deepEqual(errors, []);
    const ctx = { ...makeContext({ root: tree, test: testMode, drivers: { users } }), opts: { id: 'box', cachedir: cache } };
    return archiveModule.functions.extracted.run({ ...valid, name }, ctx);
  };
  try { await fn({ tree, out: (...f) => join(t.dir, 'out', ...f), run, cache, dir: t.dir }); } finally { await t.cleanup(); }
}

/** Files for an archive with one top-level directory `app-1.0/` (a script, a private file, a link, a subdir). */
async function appFiles(base: string): Promise<void> {
  const top = join(base, 'app-1.0');
  await mkdir(join(top, 'bin'), { recursive: true });
  await writeFile(join(top, 'README'), 'read me\n');
  await writeFile(join(top, 'bin', 'app'), '#!/bin/sh\necho app\n');
  await chmod(join(top, 'bin', 'app'), 0o755);
  await writeFile(join(top, 'secret'), 'x\n');
  await chmod(join(top, 'secret'), 0o600);
  await symlink('bin/app', join(top, 'run'));
}

async function makeTar(file: string, cwd: string, entries: string[], gzip = true): Promise<void> {
  await tarCreate({ file, cwd, gzip, portable: false }, entries);
}

const getnames = (path: string): string[] => python<string[]>('import json, sys, tarfile; print(json.dumps(tarfile.open(json.load(sys.stdin)).getnames()))', path);

test('extracted: a salt:// tar.gz is extracted with its modes, reported as Salt does, then idempotent', async () => {
  await withEnv(async ({ tree, out, run, dir }) => {
    const src = join(dir, 'src');
    await appFiles(src);
    const archive = join(tree, 'pkgs', 'app-1.0.tar.gz');
    await makeTar(archive, src, ['app-1.0']);
    const name = out('opt');
    const args = { name, source: 'salt://pkgs/app-1.0.tar.gz' };
    const dry = await run(args, true);
    assert.deepEqual([dry.result, dry.changes, dry.comment],
      [null, {}, 'Archive salt://pkgs/app-1.0.tar.gz would be cached (if necessary) and checked to discover if extraction is needed']);
    assert.equal(existsSync(name), false);
    const r = await run(args);
    assert.equal(r.comment, `salt://pkgs/app-1.0.tar.gz extracted to ${name}/, due to absence of one or more files/dirs. Output was trimmed to False number of lines`);
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { directories_created: [`${name}/`], extracted_files: getnames(archive) });
    assert.equal(await readFile(out('opt', 'app-1.0', 'README'), 'utf8'), 'read me\n');
    assert.equal((await stat(out('opt', 'app-1.0', 'bin', 'app'))).mode & 0o7777, 0o755);
    assert.equal((await stat(out('opt', 'app-1.0', 'secret'))).mode & 0o7777, 0o600);
    assert.ok((await lstat(out('opt', 'app-1.0', 'run'))).isSymbolicLink());
    const again = await run(args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'All files in archive are already present']);
    await rm(out('opt', 'app-1.0', 'README'));
    const repair = await run({ ...args, trim_output: 2 });
    assert.equal(repair.comment, `salt://pkgs/app-1.0.tar.gz extracted to ${name}/, due to absence of one or more files/dirs. Output was trimmed to 2 number of lines`);
    assert.deepEqual(repair.changes, { extracted_files: getnames(archive).slice(0, 2) });
    assert.equal(await readFile(out('opt', 'app-1.0', 'README'), 'utf8'), 'read me\n');
  });
});

test('extracted: archive.list\'s contents and top-level lists (strip_components, common prefix)', () => {
  const c = listContents([
    { name: 'docker', kind: 'dir' }, { name: 'docker/containerd', kind: 'file' }, { name: 'docker/docker', kind: 'file' },
    { name: 'docker/lib', kind: 'dir' }, { name: 'docker/lib/x.so', kind: 'link' },
  ]);
  assert.deepEqual(c, {
    dirs: ['docker/', 'docker/lib/'], files: ['docker/containerd', 'docker/docker'], links: ['docker/lib/x.so'],
    top_level_dirs: ['docker/'], top_level_files: [], top_level_links: [],
  });
  const stripped = listContents([{ name: 'docker', kind: 'dir' }, { name: 'docker/containerd', kind: 'file' }, { name: 'docker/lib', kind: 'dir' }], 1);
  assert.deepEqual(stripped, { dirs: ['lib/'], files: ['containerd'], links: [], top_level_dirs: ['lib/'], top_level_files: ['containerd'], top_level_links: [] });
  // a top-level directory that is not itself a member is found through the common prefix
  assert.deepEqual(listContents([{ name: 'a/b', kind: 'dir' }, { name: 'a/b/c', kind: 'dir' }]).top_level_dirs, ['a/']);
});

test('extracted: enforce_toplevel, options through the tar command (strip-components), bzip2 and xz', async () => {
  await withEnv(async ({ tree, out, run, dir }) => {
    const src = join(dir, 'src');
    await mkdir(join(src, 'docker'), { recursive: true });
    for (const f of ['docker', 'containerd', 'runc']) {
      await writeFile(join(src, 'docker', f), `${f}\n`);
      await chmod(join(src, 'docker', f), 0o755);
    }
    await writeFile(join(src, 'loose.txt'), 'loose\n');
    await makeTar(join(tree, 'pkgs', 'bomb.tgz'), src, ['docker', 'loose.txt']);
    const bomb = await run({ name: out('bomb'), source: 'salt://pkgs/bomb.tgz' });
    assert.equal(bomb.result, false);
    assert.equal(bomb.comment, "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. "
      + `To avoid a 'tar-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to ${out('bomb')}/some_dir instead of ${out('bomb')}/).`);
    const ok = await run({ name: out('bomb'), source: 'salt://pkgs/bomb.tgz', enforce_toplevel: false });
    assert.equal(ok.result, true, ok.comment);
    assert.equal(await readFile(out('bomb', 'loose.txt'), 'utf8'), 'loose\n');

    // the docker formula's shape: options --strip-components=1, enforce_toplevel false, trim_output true
    await makeTar(join(tree, 'pkgs', 'docker-19.03.9.tgz'), src, ['docker']);
    const args = { name: `${out('docker', 'bin')}/`, source: 'salt://pkgs/docker-19.03.9.tgz', options: '--strip-components=1', enforce_toplevel: false, trim_output: true, recurse: ['user', 'group'] };
    const r = await run(args);
    assert.equal(r.result, true, r.comment);
    assert.equal(r.comment, `salt://pkgs/docker-19.03.9.tgz extracted to ${out('docker', 'bin')}/, due to absence of one or more files/dirs. Output was trimmed to 100 number of lines`);
    assert.deepEqual((r.changes.extracted_files as string[]).sort(), ['docker/containerd', 'docker/docker', 'docker/runc'], 'GNU tar -v lists what it extracts');
    assert.equal(await readFile(out('docker', 'bin', 'runc'), 'utf8'), 'runc\n');
    assert.equal(existsSync(out('docker', 'bin', 'docker', 'docker')), false, 'the first component was stripped');
    const again = await run(args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'All files in archive are already present']);

    for (const [tool, ext] of [['bzip2', 'tar.bz2'], ['xz', 'tar.xz']]) {
      const plain = join(dir, `plain-${tool}.tar`);
      await makeTar(plain, src, ['docker'], false);
      execFileSync(tool, ['-k', plain]);
      await writeFile(join(tree, 'pkgs', `d.${ext}`), await readFile(`${plain}.${tool === 'xz' ? 'xz' : 'bz2'}`));
      const x = await run({ name: out(tool), source: `salt://pkgs/d.${ext}` });
      assert.equal(x.result, true, x.comment);
      assert.equal(await readFile(out(tool, 'docker', 'containerd'), 'utf8'), 'containerd\n');
      assert.deepEqual((await run({ name: out(tool), source: `salt://pkgs/d.${ext}` })).changes, {});
    }
  });
});

test('extracted: http source checked against source_hash, cached, skip_verify, and a 404', async () => {
  await withEnv(async ({ out, run, dir, cache }) => {
    const src = join(dir, 'src');
    await appFiles(src);
    const archive = join(dir, 'app.tar.gz');
    await makeTar(archive, src, ['app-1.0']);
    const bytes = await readFile(archive);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (req.url === '/dl/app.tar.gz') { res.writeHead(200); res.end(bytes); return; }
      if (req.url === '/dl/SHA256SUMS') { res.writeHead(200); res.end(`${'0'.repeat(64)}  other.tar.gz\n${sha256}  app.tar.gz\n`); return; }
      res.writeHead(404, 'Not Found'); res.end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const url = `${base}/dl/app.tar.gz`;
      const bad = await run({ name: out('bad'), source: url, source_hash: `sha256=${'1'.repeat(64)}` });
      assert.equal(bad.result, false);
      assert.equal(bad.comment, `File is present on the minion, but the hash (${sha256}) does not match the specified hash (${'1'.repeat(64)})`);
      assert.equal(existsSync(out('bad')), false);
      const r = await run({ name: out('app'), source: url, source_hash: sha256 });
      assert.equal(r.result, true, r.comment);
      assert.equal(r.comment, `${url} extracted to ${out('app')}/, due to absence of one or more files/dirs. Output was trimmed to False number of lines`);
      assert.ok(existsSync(join(cache, 'extrn_files', 'base', `127.0.0.1:${(server.address() as AddressInfo).port}`, 'dl', 'app.tar.gz')), 'kept in the cache (keep_source)');
      const before = requests;
      const again = await run({ name: out('app'), source: url, source_hash: sha256 });
      assert.deepEqual([again.result, again.changes], [true, {}]);
      assert.equal(requests, before, 'the cached copy with the right hash is not downloaded again');
      const viaFile = await run({ name: out('app2'), source: url, source_hash: `${base}/dl/SHA256SUMS`, keep_source: false });
      assert.equal(viaFile.result, true, viaFile.comment);
      const skip = await run({ name: out('app3'), source: url, skip_verify: true });
      assert.equal(skip.result, true, skip.comment);
      const missing = await run({ name: out('nope'), source: `${base}/dl/nope.tar.gz`, skip_verify: true });
      assert.equal(missing.result, false);
      assert.equal(missing.comment, `Failed to cache ${base}/dl/nope.tar.gz: Error: HTTP 404: Not Found reading ${base}/dl/nope.tar.gz`);
    } finally {
      server.close();
    }
  });
});

test('extracted: a local source predicts in test mode, checks source_hash, and enforces user/group', async () => {
  await withEnv(async ({ out, run, dir }) => {
    const src = join(dir, 'src');
    await appFiles(src);
    // files owned by a uid that is not root: extraction (as root) keeps them, the ownership pass fixes them
    for (const p of ['app-1.0', 'app-1.0/README', 'app-1.0/bin', 'app-1.0/bin/app', 'app-1.0/secret']) await chown(join(src, p), 4321, 4321);
    const archive = join(dir, 'app.tar.gz');
    await makeTar(archive, src, ['app-1.0']);
    const sha = createHash('sha256').update(await readFile(archive)).digest('hex');
    const name = out('srv');
    const dry = await run({ name, source: archive, source_hash: sha, user: 'root', group: 'root' }, true);
    assert.deepEqual([dry.result, dry.changes, dry.comment], [null, {}, `Archive ${archive} would be extracted to ${name}/, due to absence of one or more files/dirs`]);
    const wrong = await run({ name, source: archive, source_hash: `md5=${'a'.repeat(32)}` });
    assert.deepEqual([wrong.result, wrong.comment], [false, `${archive} does not match the desired source_hash ${'a'.repeat(32)}`]);
    const r = await run({ name, source: `file://${archive}`, source_hash: sha, user: 'root', group: 'root' });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.changes['updated ownership'], true);
    assert.equal((await stat(join(name, 'app-1.0', 'bin', 'app'))).uid, 0);
    assert.equal((await stat(join(name, 'app-1.0', 'bin', 'app'))).mode & 0o7777, 0o755);
    const again = await run({ name, source: archive, source_hash: sha, user: 'root', group: 'root' });
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'All files in archive are already present']);
    await chown(join(name, 'app-1.0', 'README'), 4321, 4321);
    const dryOwn = await run({ name, source: archive, user: 'root', group: 'root' }, true);
    // Salt counts file.directory's dry-run None as a failure to change ownership
    assert.equal(dryOwn.result, false);
    assert.deepEqual(dryOwn.changes, { 'updated ownership': true });
    assert.equal(dryOwn.comment, `All files in archive are already present. Ownership would be updated on one or more files/directories.\n\nWhile trying to enforce user/group ownership, Salt was unable to change ownership on the following paths:\n\n- ${name}/app-1.0/`);
    const fix = await run({ name, source: archive, user: 'root', group: 'root' });
    assert.deepEqual([fix.result, fix.changes, fix.comment], [true, { 'updated ownership': true }, 'All files in archive are already present']);
  });
});

test('extracted: bad input and unsupported formats fail with comments naming the problem', async () => {
  await withEnv(async ({ tree, out, run, dir }) => {
    const junk = join(tree, 'pkgs', 'junk.tar.gz');
    await writeFile(junk, 'this is not an archive');
    const j = await run({ name: out('j'), source: 'salt://pkgs/junk.tar.gz' });
    assert.equal(j.result, false);
    assert.match(j.comment, /^Unable to list contents of salt:\/\/pkgs\/junk\.tar\.gz\. /);
    assert.match(j.comment, /\n- 'if_missing' must be set$/);
    await writeFile(join(tree, 'pkgs', 'a.zip'), 'PK');
    assert.equal((await run({ name: out('z'), source: 'salt://pkgs/a.zip' })).comment, "zip archives are not supported by umec's archive.extracted (tar archives are)");
    assert.equal((await run({ name: out('z'), source: 'salt://pkgs/a.bin' })).comment,
      "Could not guess archive_format from the value of the 'source' argument. Please set this archive_format to one of the following: tar, rar, zip");
    assert.match((await run({ name: out('z'), source: 'salt://pkgs/a.zip', archive_format: '7z' })).comment, /^Invalid archive_format '7z'\. /);
    assert.equal((await run({ name: 'relative/dir', source: 'salt://pkgs/a.tar' })).comment, 'relative/dir is not an absolute path');
    assert.equal((await run({ name: out('z'), source: join(dir, 'missing.tar.gz') })).comment, `Source file '${join(dir, 'missing.tar.gz')}' does not exist`);
    assert.equal((await run({ name: out('z'), source: 'salt://pkgs/junk.tar.gz', user: 'no-such-user-umec' })).comment, 'User no-such-user-umec does not exist');
    assert.equal((await run({ name: out('z'), source: 'salt://pkgs/junk.tar.gz', source_hash: 'abc' })).result, false);
    await writeFile(out('marker'), '');
    assert.deepEqual(await run({ name: out('z'), source: 'salt://pkgs/junk.tar.gz', if_missing: out('marker') }),
      { name: out('z'), result: true, changes: {}, comment: `Path ${out('marker')} exists` });
    assert.equal((await run({ name: out('marker'), source: 'salt://pkgs/junk.tar.gz' })).comment, `${out('marker')} exists and is not a directory`);
  });
});

test('extracted and file.serialize through the engine: requisites, ignored extra arguments, dry run then apply then nothing', async () => {
  const { stateTree, byId } = await import('../../helpers/tree.js');
  const t = await stateTree({
    'main.sls': `
app:
  archive.extracted:
    - name: {{OUT}}/opt
    - source: {{OUT}}/app.tgz
    - enforce_toplevel: false
    - recurse: [user, group]
conf:
  file.serialize:
    - name: {{OUT}}/opt/app-1.0/conf.yaml
    - dataset: {port: 80, hosts: [a, b]}
    - require:
      - archive: app
`,
  });
  try {
    const src = join(t.out, 'src');
    await appFiles(src);
    await makeTar(join(t.out, 'app.tgz'), src, ['app-1.0']);
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings ?? [], []);
    const dry = byId(await t.apply(['main'], { test: true }));
    assert.equal(dry.app.result, null);
    assert.equal(dry.app.comment, `Archive ${join(t.out, 'app.tgz')} would be extracted to ${t.out}/opt/, due to absence of one or more files/dirs`);
    assert.equal(dry.conf.result, null);
    const r = byId(await t.apply(['main']));
    assert.equal(r.app.result, true, r.app.comment);
    assert.equal(r.conf.result, true, r.conf.comment);
    assert.equal(await readFile(join(t.out, 'opt', 'app-1.0', 'conf.yaml'), 'utf8'), 'hosts:\n- a\n- b\nport: 80\n');
    const again = byId(await t.apply(['main']));
    assert.deepEqual([again.app.changes, again.conf.changes], [{}, {}]);
  } finally {
    await t.cleanup();
  }
});

test('extracted: a path of the wrong type needs force; clean with overwrite removes the top level first', async () => {
  await withEnv(async ({ tree, out, run, dir }) => {
    const src = join(dir, 'src');
    await appFiles(src);
    await makeTar(join(tree, 'pkgs', 'app.tgz'), src, ['app-1.0']);
    const name = out('srv');
    await mkdir(join(name, 'app-1.0'), { recursive: true });
    await writeFile(join(name, 'app-1.0', 'bin'), 'a file where a directory belongs');
    const args = { name, source: 'salt://pkgs/app.tgz' };
    const refused = await run(args);
    assert.equal(refused.result, false);
    assert.equal(refused.comment, `The below paths (relative to ${name}/) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.). `
      + "To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.\n\n- app-1.0/bin/");
    const forced = await run({ ...args, force: true });
    assert.equal(forced.result, true, forced.comment);
    assert.deepEqual(forced.changes.removed, [`${name}/app-1.0/bin/`]);
    assert.ok((await stat(join(name, 'app-1.0', 'bin'))).isDirectory());
    await writeFile(join(name, 'app-1.0', 'stale'), 'not in the archive');
    const cleaned = await run({ ...args, clean: true, overwrite: true });
    assert.equal(cleaned.result, true, cleaned.comment);
    assert.deepEqual(cleaned.changes.removed, [`${name}/app-1.0/`]);
    assert.equal(existsSync(join(name, 'app-1.0', 'stale')), false);
    assert.equal(existsSync(join(name, 'app-1.0', 'README')), true);
  });
});
