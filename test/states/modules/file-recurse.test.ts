import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateContext, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([fileModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });

type Run = (args: StateArgs, o?: { test?: boolean; pillar?: Record<string, unknown>; required?: StateContext['required'] }) => Promise<StateReturn>;

/** A state tree with a `files` directory shaped like the users formula's, and a scratch target dir. */
async function withTree(fn: (tree: string, out: (...f: string[]) => string, run: Run) => Promise<void>) {
  const t = await tempDir('umec-recurse-');
  const tree = join(t.dir, 'tree');
  const outDir = join(t.dir, 'out');
  await mkdir(join(tree, 'users', 'files', 'user'), { recursive: true });
  await mkdir(join(tree, 'users', 'files', 'bashrc'));
  await mkdir(join(tree, 'users', 'files', 'empty'));
  await mkdir(outDir);
  await writeFile(join(tree, 'users', 'files', 'user', '.keep'), '');
  await writeFile(join(tree, 'users', 'files', 'bashrc', 'bashrc'), 'PS1="{{ grains.id }}$ "\n');
  await writeFile(join(tree, 'users', 'files', '.gitignore'), '*.swp\n');
  await writeFile(join(tree, 'users', 'files', 'script.sh'), '#!/bin/sh\n');
  await chmod(join(tree, 'users', 'files', 'script.sh'), 0o755);
  const run: Run = async (args, o = {}) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', 'recurse', own);
    assert.deepEqual(errors, []);
    const ctx = { ...makeContext({ root: tree, test: o.test ?? false, drivers: { users }, pillar: o.pillar }), required: o.required };
    return fileModule.functions.recurse.run({ ...valid, name }, ctx);
  };
  try { await fn(tree, (...f) => join(outDir, ...f), run); } finally { await t.cleanup(); }
}

test('recurse: Salt defaults; copies files, reports directories and files under their paths, then is idempotent', async () => {
  assert.deepEqual(registry.validate('file', 'recurse', { source: 'salt://x' }).args, {
    source: 'salt://x', keep_source: true, clean: false, replace: true, include_empty: false, backup: '', keep_symlinks: false, force_symlinks: false,
  });
  await withTree(async (_tree, out, run) => {
    const name = out('home');
    const args = { name, source: 'salt://users/files', user: 'root', group: 'root', file_mode: 'keep', exclude_pat: '*.gitignore', include_empty: true };
    const dry = await run(args, { test: true });
    assert.equal(dry.result, null);
    assert.equal(existsSync(name), false);
    const r = await run(args);
    assert.equal(r.result, true);
    assert.equal(r.comment, `Recursively updated ${name}`);
    assert.deepEqual(r.changes, {
      [out('home', 'bashrc')]: { [out('home', 'bashrc')]: { directory: 'new' } },
      [out('home', 'empty')]: { [out('home', 'empty')]: { directory: 'new' } },
      [out('home', 'user')]: { [out('home', 'user')]: { directory: 'new' } },
      [out('home', 'bashrc', 'bashrc')]: { diff: 'New file', user: 'root', group: 'root', mode: '0644' },
      [out('home', 'script.sh')]: { diff: 'New file', user: 'root', group: 'root', mode: '0755' },
      [out('home', 'user', '.keep')]: { diff: 'New file', user: 'root', group: 'root', mode: '0644' },
    });
    // test mode predicted the same paths (plus the target itself, which the real run creates silently)
    assert.deepEqual(Object.keys(dry.changes).sort(), [...Object.keys(r.changes), name].sort());
    assert.equal(existsSync(out('home', '.gitignore')), false);
    assert.equal((await stat(out('home', 'script.sh'))).mode & 0o7777, 0o755);
    assert.equal(await readFile(out('home', 'bashrc', 'bashrc'), 'utf8'), 'PS1="{{ grains.id }}$ "\n', 'no template: copied as is');
    const again = await run(args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, `The directory ${name} is in the correct state`]);
    const dryAgain = await run(args, { test: true });
    assert.deepEqual([dryAgain.result, dryAgain.changes], [true, {}]);
  });
});

test('recurse: template jinja renders each file; clean removes unmanaged files but keeps required ones', async () => {
  await withTree(async (_tree, out, run) => {
    const name = out('etc');
    await mkdir(name);
    await writeFile(join(name, 'stale.conf'), 'old');
    await writeFile(join(name, 'local.conf'), 'mine');
    const required = [{ module: 'file', fun: 'managed', name: join(name, 'local.conf') }];
    const args = { name, source: 'umec://users/files/', template: 'jinja', clean: true, dir_mode: '0750', file_mode: '0600' };
    const dry = await run(args, { test: true, required });
    assert.equal(dry.result, null);
    assert.match(dry.comment, new RegExp(`#### removed ####\\n${join(name, 'stale.conf').replace(/[.]/g, '\\.')}`));
    const r = await run(args, { required });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes.removed, [join(name, 'stale.conf')]);
    assert.equal(await readFile(join(name, 'bashrc', 'bashrc'), 'utf8'), 'PS1="test-box$ "\n');
    assert.equal((await stat(join(name, 'bashrc'))).mode & 0o7777, 0o750);
    assert.equal((await stat(join(name, '.gitignore'))).mode & 0o7777, 0o600);
    assert.equal(await readFile(join(name, 'local.conf'), 'utf8'), 'mine');
    assert.equal(existsSync(join(name, 'empty')), false, 'include_empty is off');
    const again = await run(args, { required });
    assert.deepEqual(again.changes, {});
  });
});

test('recurse: keep_symlinks recreates links, maxdepth and include_pat select, bad input fails with Salt\'s words', async () => {
  await withTree(async (tree, out, run) => {
    await symlink('bashrc/bashrc', join(tree, 'users', 'files', 'rc'));
    const name = out('links');
    const r = await run({ name, source: 'salt://users/files', keep_symlinks: true, maxdepth: 0 });
    assert.equal(r.result, true);
    assert.equal(await readlink(join(name, 'rc')), 'bashrc/bashrc');
    assert.ok((await lstat(join(name, 'rc'))).isSymbolicLink());
    assert.equal(existsSync(join(name, 'bashrc')), false, 'maxdepth 0: top-level files only');
    const inc = await run({ name: out('inc'), source: 'salt://users/files', include_pat: 'E@\\.sh$' });
    assert.deepEqual(Object.keys(inc.changes), [out('inc', 'script.sh')]);
    const missing = await run({ name: out('m'), source: 'salt://users/nope' });
    assert.deepEqual([missing.result, missing.comment], [false, "The directory 'users/nope' does not exist on the salt fileserver in saltenv 'base'"]);
    const mode = await run({ name: out('m'), source: 'salt://users/files', mode: '0644' });
    assert.equal(mode.comment, "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.");
    const local = await run({ name: out('m'), source: '/etc' });
    assert.equal(local.comment, "Invalid source '/etc' (must be a salt:// URI)");
  });
});
