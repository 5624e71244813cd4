import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateContext, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([fileModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });

type Run = (args: StateArgs, o?: { test?: boolean; required?: StateContext['required'] }) => Promise<StateReturn>;

async function withDir(fn: (p: (...f: string[]) => string, run: Run) => Promise<void>) {
  const t = await tempDir('umec-file-dir-');
  const run: Run = async (args, o = {}) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', 'directory', own);
    assert.deepEqual(errors, []);
    const ctx = { ...makeContext({ root: t.dir, test: o.test ?? false, drivers: { users } }), required: o.required };
    return fileModule.functions.directory.run({ ...valid, name }, ctx);
  };
  try { await fn((...f) => join(t.dir, ...f), run); } finally { await t.cleanup(); }
}

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;

async function tree(p: (...f: string[]) => string) {
  await mkdir(p('d', 'sub', 'deep'), { recursive: true });
  await writeFile(p('d', 'a.conf'), 'a');
  await writeFile(p('d', 'b.txt'), 'b');
  await writeFile(p('d', 'sub', 'c.conf'), 'c');
  await writeFile(p('d', 'sub', 'deep', 'e'), 'e');
  for (const f of ['a.conf', 'b.txt', 'sub/c.conf', 'sub/deep/e']) await chmod(p('d', f), 0o600);
  for (const d of ['d', 'd/sub', 'd/sub/deep']) await chmod(p(d), 0o700);
}

test('directory recurse: mode puts dir_mode on dirs and file_mode on files; test mode predicts each path', async () => {
  await withDir(async (p, run) => {
    await tree(p);
    const args = { name: p('d'), dir_mode: '0755', file_mode: '0644', recurse: ['mode'] };
    const dry = await run(args, { test: true });
    assert.equal(dry.result, null);
    assert.deepEqual(dry.changes, {
      [p('d', 'a.conf')]: { mode: '0644' }, [p('d', 'b.txt')]: { mode: '0644' }, [p('d', 'sub')]: { mode: '0755' },
      [p('d', 'sub', 'c.conf')]: { mode: '0644' }, [p('d', 'sub', 'deep')]: { mode: '0755' }, [p('d', 'sub', 'deep', 'e')]: { mode: '0644' },
      [p('d')]: { mode: '0755' },
    });
    assert.match(dry.comment, /^The following files will be changed:\n/);
    assert.equal(await modeOf(p('d', 'a.conf')), 0o600);
    const r = await run(args);
    assert.equal(r.result, true);
    assert.equal(r.comment, `Directory ${p('d')} updated`);
    assert.deepEqual({ ...r.changes, mode: undefined }, { ...dry.changes, mode: undefined });
    // Salt's check_perms writes one top-level mode per path it fixes: the last one (a file) stays
    assert.equal(r.changes.mode, '0644');
    assert.equal(await modeOf(p('d', 'sub', 'deep', 'e')), 0o644);
    assert.equal(await modeOf(p('d', 'sub', 'deep')), 0o755);
    const again = await run(args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, `The directory ${p('d')} is in the correct state`]);
  });
});

test('directory recurse: without file_mode files get dir_mode; user/group only when listed; max_depth limits the walk', async () => {
  await withDir(async (p, run) => {
    await tree(p);
    await chown(p('d', 'a.conf'), 1, 1);
    const r = await run({ name: p('d'), user: 'root', group: 'root', dir_mode: '0750', recurse: ['user', 'mode'], max_depth: 1 });
    assert.equal(r.result, true);
    assert.equal(await modeOf(p('d', 'sub', 'c.conf')), 0o750);
    assert.equal(await modeOf(p('d', 'sub', 'deep', 'e')), 0o600, 'below max_depth is left alone');
    const st = await stat(p('d', 'a.conf'));
    assert.deepEqual([st.uid, st.gid], [0, 1], 'user recursed, group not');
    const bad = await run({ name: p('d'), recurse: ['owner'] });
    assert.equal(bad.result, false);
    assert.match(bad.comment, /Types for "recurse" limited to/);
  });
});

test('directory clean: removes what no required state manages, honours exclude_pat, predicts in test mode', async () => {
  await withDir(async (p, run) => {
    await tree(p);
    const required = [{ module: 'file', fun: 'managed', name: p('d', 'sub', 'c.conf') }];
    const dry = await run({ name: p('d'), clean: true, exclude_pat: '*.txt' }, { test: true, required });
    assert.equal(dry.result, null);
    assert.deepEqual(dry.changes, {
      [p('d', 'a.conf')]: { removed: 'Removed due to clean' },
      [p('d', 'sub', 'deep')]: { removed: 'Removed due to clean' },
      [p('d', 'sub', 'deep', 'e')]: { removed: 'Removed due to clean' },
    });
    assert.ok(existsSync(p('d', 'a.conf')));
    const r = await run({ name: p('d'), clean: true, exclude_pat: '*.txt' }, { required });
    assert.equal(r.result, true);
    // Salt keeps the planned per-path entries and adds the list of what it removed
    assert.deepEqual(r.changes, { ...dry.changes, removed: [p('d', 'a.conf'), p('d', 'sub', 'deep')] });
    assert.equal(r.comment, `Files cleaned from directory ${p('d')}`);
    assert.deepEqual([existsSync(p('d', 'b.txt')), existsSync(p('d', 'sub', 'c.conf')), existsSync(p('d', 'sub', 'deep'))], [true, true, false]);
    const again = await run({ name: p('d'), clean: true, exclude_pat: '*.txt' }, { required });
    assert.deepEqual(again.changes, {});
    const both = await run({ name: p('d'), clean: true, max_depth: 1 });
    assert.deepEqual([both.result, both.comment], [false, 'Cannot specify both max_depth and clean']);
  });
});

test('directory: a file or symlink in the way fails, force replaces it, makedirs creates parents with the mode', async () => {
  await withDir(async (p, run) => {
    await writeFile(p('f'), 'x');
    assert.equal((await run({ name: p('f') })).comment, `Specified location ${p('f')} exists and is a file`);
    const forced = await run({ name: p('f'), force: true });
    assert.deepEqual(forced.changes, { forced: 'File was forcibly replaced', [p('f')]: { directory: 'new' } });
    assert.ok((await stat(p('f'))).isDirectory());
    await mkdir(p('real'));
    await symlink(p('real'), p('link'));
    const kept = await run({ name: p('link') });
    assert.deepEqual([kept.result, kept.changes], [true, {}], 'allow_symlink defaults to true');
    assert.equal((await run({ name: p('link'), allow_symlink: false })).comment, `Specified location ${p('link')} exists and is a symlink`);
    const made = await run({ name: p('x', 'y', 'z'), makedirs: true, dir_mode: '0711' });
    assert.deepEqual(made.changes, { [p('x', 'y', 'z')]: { directory: 'new' } });
    assert.deepEqual([await modeOf(p('x')), await modeOf(p('x', 'y')), await modeOf(p('x', 'y', 'z'))], [0o711, 0o711, 0o711]);
    const noUser = await run({ name: p('q'), user: 'no-such-user-umec' });
    assert.deepEqual([noUser.result, noUser.comment], [false, 'User no-such-user-umec is not available']);
    const noUserTest = await run({ name: p('q'), user: 'no-such-user-umec' }, { test: true });
    assert.equal(noUserTest.result, null, 'test mode: another state may create the user');
  });
});

test('parent directories made at the same time by several states (agents sharing a box) all succeed', async () => {
  const { makedirsPerms } = await import('../../../states/modules/file/directory.js');
  const base = await mkdtemp(join(tmpdir(), 'umec-mkdirs-'));
  try {
    const deep = join(base, 'a', 'b', 'c');
    await Promise.all(Array.from({ length: 8 }, () => makedirsPerms(deep, { uid: -1, gid: -1 }, 0o750)));
    assert.ok((await stat(deep)).isDirectory());
  } finally { await rm(base, { recursive: true, force: true }); }
});
