import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([fileModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });
const notRoot = process.getuid?.() !== 0 ? 'ownership tests need root' : false;

interface RunOpts { test?: boolean; grains?: Record<string, unknown>; pillar?: Record<string, unknown> }
interface Env {
  /** Scratch directory the states act on. */
  dir: string;
  /** The state tree (umec:// root), a subdirectory of `outside`. */
  tree: string;
  /** Parent of the tree, for escape attempts. */
  outside: string;
  p(...parts: string[]): string;
  state(fun: string, args: StateArgs, o?: RunOpts): Promise<StateReturn>;
}

async function withEnv(fn: (env: Env) => Promise<void>): Promise<void> {
  const work = await tempDir('umec-file-');
  const top = await tempDir('umec-file-tree-');
  const tree = join(top.dir, 'tree');
  await mkdir(tree);
  const state = async (fun: string, args: StateArgs, o: RunOpts = {}): Promise<StateReturn> => {
    // Like the executor: validate the function's own arguments (defaults filled), then add name.
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', fun, own);
    assert.deepEqual(errors, []);
    const ctx = makeContext({ root: tree, test: o.test ?? false, drivers: { users }, grains: o.grains, pillar: o.pillar });
    return fileModule.functions[fun].run({ ...valid, name }, ctx);
  };
  try {
    await fn({ dir: work.dir, tree, outside: top.dir, p: (...parts) => join(work.dir, ...parts), state });
  } finally {
    await work.cleanup();
    await top.cleanup();
  }
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;
const text = (path: string): Promise<string> => readFile(path, 'utf8');

// ---------------------------------------------------------------- schemas

test('file schemas fill Salt defaults and reject unknown arguments', () => {
  assert.deepEqual(registry.validate('file', 'managed', {}).args,
    { contents_newline: true, makedirs: false, replace: true, create: true, show_changes: true, skip_verify: false });
  assert.deepEqual(registry.validate('file', 'directory', {}).args,
    { makedirs: false, clean: false, follow_symlinks: false, force: false, allow_symlink: true, children_only: false });
  assert.deepEqual(registry.validate('file', 'symlink', { target: '/x' }).args, { target: '/x', force: false, makedirs: false });
  assert.deepEqual(registry.validate('file', 'line', { mode: 'ensure' }).args, { mode: 'ensure', create: false });
  assert.ok(registry.validate('file', 'managed', { bogus: 1 }).errors.length > 0);
  assert.ok(registry.validate('file', 'managed', { mode: '0999' }).errors.length > 0);
  assert.ok(registry.validate('file', 'line', { mode: 'upsert' }).errors.length > 0);
  assert.deepEqual(registry.validate('file', 'managed', { mode: 644 }).errors, []);
});

// ---------------------------------------------------------------- file.managed

test('managed creates a new file from string contents, adds the trailing newline and reports New file', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('motd');
    const r = await state('managed', { name: f, contents: 'hello' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { diff: 'New file' });
    assert.equal(r.comment, `File ${f} updated`);
    assert.equal(await text(f), 'hello\n');
    assert.equal(await modeOf(f), 0o644);
  });
});

test('managed joins list contents with newlines and adds one trailing newline', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('list');
    const r = await state('managed', { name: f, contents: ['a', 'b', 3] });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'a\nb\n3\n');
  });
});

test('managed keeps an existing trailing newline and honours contents_newline: false', async () => {
  await withEnv(async ({ p, state }) => {
    await state('managed', { name: p('a'), contents: 'x\n' });
    assert.equal(await text(p('a')), 'x\n');
    await state('managed', { name: p('b'), contents: 'x', contents_newline: false });
    assert.equal(await text(p('b')), 'x');
  });
});

test('managed reports the mode with a new file when mode is given and applies it', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('secret');
    const r = await state('managed', { name: f, contents: 's', mode: '0600' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { diff: 'New file', mode: '0600' });
    assert.equal(await modeOf(f), 0o600);
  });
});

test('managed on a modified file reports a unified diff with -old and +new lines', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('conf');
    await writeFile(f, 'keep\nold\n');
    const r = await state('managed', { name: f, contents: 'keep\nnew' });
    assert.equal(r.result, true);
    assert.equal(r.comment, `File ${f} updated`);
    assert.deepEqual(Object.keys(r.changes), ['diff']);
    const diff = String(r.changes.diff);
    assert.match(diff, /^--- .*\n\+\+\+ .*\n@@ -1,2 \+1,2 @@\n/);
    assert.match(diff, /^-old$/m);
    assert.match(diff, /^\+new$/m);
    assert.match(diff, /^ keep$/m);
    assert.equal(await text(f), 'keep\nnew\n');
  });
});

test('managed on an unchanged file succeeds without changes and does not rewrite it', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('same');
    await writeFile(f, 'same\n');
    const ino = (await stat(f)).ino;
    const r = await state('managed', { name: f, contents: 'same' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, `File ${f} is in the correct state`);
    assert.equal((await stat(f)).ino, ino);
  });
});

test('managed accepts mode as "0600", 600 and "644" and applies each', async () => {
  await withEnv(async ({ p, state }) => {
    for (const [mode, want] of [['0600', 0o600], [600, 0o600], ['644', 0o644], [640, 0o640], ['0755', 0o755]] as const) {
      const f = p(`m-${String(mode)}`);
      const r = await state('managed', { name: f, contents: 'x', mode });
      assert.equal(r.result, true, String(mode));
      assert.equal(await modeOf(f), want, `mode ${String(mode)}`);
      assert.equal(r.changes.mode, `0${want.toString(8)}`);
    }
  });
});

test('a mode-only change is reported as {mode} and leaves the content alone', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('modeonly');
    await writeFile(f, 'content\n', { mode: 0o644 });
    await chmod(f, 0o644);
    const r = await state('managed', { name: f, contents: 'content', mode: '0600' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { mode: '0600' });
    assert.equal(await modeOf(f), 0o600);
    assert.equal(await text(f), 'content\n');
    const again = await state('managed', { name: f, contents: 'content', mode: 600 });
    assert.deepEqual(again.changes, {});
  });
});

test('managed without contents or source does not touch an existing file\'s content (Salt: content not managed)', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('keepme');
    await writeFile(f, 'precious\n');
    await chmod(f, 0o644);
    const r = await state('managed', { name: f, mode: '0600' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { mode: '0600' });
    assert.equal(await text(f), 'precious\n');
    const none = await state('managed', { name: f });
    assert.deepEqual(none.changes, {});
    // and an absent file is created empty
    const g = p('empty');
    const created = await state('managed', { name: g });
    assert.deepEqual(created.changes, { diff: 'New file' });
    assert.equal(await text(g), '');
  });
});

test('managed keeps the mode of an existing file when no mode is given', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('kept');
    await writeFile(f, 'a\n');
    await chmod(f, 0o640);
    await state('managed', { name: f, contents: 'b' });
    assert.equal(await modeOf(f), 0o640);
    assert.equal(await text(f), 'b\n');
  });
});

test('managed reads umec:// sources from the state tree, and salt:// as an alias, byte for byte', async () => {
  await withEnv(async ({ p, tree, state }) => {
    await mkdir(join(tree, 'files'));
    await writeFile(join(tree, 'files', 'motd'), 'from tree'); // no trailing newline: sources are copied as is
    const r = await state('managed', { name: p('u'), source: 'umec://files/motd' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { diff: 'New file' });
    assert.equal(await text(p('u')), 'from tree');
    const s = await state('managed', { name: p('s'), source: 'salt://files/motd' });
    assert.equal(s.result, true);
    assert.equal(await text(p('s')), 'from tree');
    assert.deepEqual((await state('managed', { name: p('s'), source: 'salt://files/motd' })).changes, {});
  });
});

test('managed with a source list uses the first source that exists', async () => {
  await withEnv(async ({ p, tree, state }) => {
    await writeFile(join(tree, 'second'), 'second\n');
    const r = await state('managed', { name: p('f'), source: ['umec://first', 'umec://second'] });
    assert.equal(r.result, true);
    assert.equal(await text(p('f')), 'second\n');
  });
});

test('managed fails naming a missing source and creates nothing', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('nofile');
    const r = await state('managed', { name: f, source: 'umec://nope/missing.conf' });
    assert.equal(r.result, false);
    assert.deepEqual(r.changes, {});
    assert.match(r.comment, /Unable to get source/);
    assert.match(r.comment, /umec:\/\/nope\/missing\.conf/);
    assert.equal(existsSync(f), false);
  });
});

test('managed refuses a source path escaping the state tree', async () => {
  await withEnv(async ({ p, outside, state }) => {
    await writeFile(join(outside, 'secret'), 'do not copy\n');
    const f = p('escaped');
    for (const source of ['umec://../secret', 'salt://files/../../secret']) {
      const r = await state('managed', { name: f, source });
      assert.equal(r.result, false, source);
      assert.match(r.comment, /inside the state tree/);
      assert.equal(existsSync(f), false);
    }
  });
});

test('managed rejects combining contents and source', async () => {
  await withEnv(async ({ p, state }) => {
    const r = await state('managed', { name: p('x'), contents: 'a', source: 'umec://a' });
    assert.equal(r.result, false);
    assert.match(r.comment, /Only one of contents, contents_pillar and source/);
  });
});

test('managed renders jinja contents with grains, pillar, defaults and context (context wins)', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('tpl');
    const r = await state('managed', {
      name: f, template: 'jinja',
      contents: 'id={{ grains.id }} role={{ pillar.role }} v={{ version }} x={{ extra }}',
      defaults: { version: 1, extra: 'default' }, context: { extra: 'context' },
    }, { grains: { id: 'box1' }, pillar: { role: 'web' } });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'id=box1 role=web v=1 x=context\n');
  });
});

test('managed renders a jinja template source from the state tree', async () => {
  await withEnv(async ({ p, tree, state }) => {
    await writeFile(join(tree, 'app.conf.j2'), 'port={{ pillar.app.port }}\nhost={{ grains.id }}\n{% for u in users %}user={{ u }}\n{% endfor %}');
    const f = p('app.conf');
    const r = await state('managed', { name: f, source: 'umec://app.conf.j2', template: 'jinja', context: { users: ['a', 'b'] } },
      { grains: { id: 'edge7' }, pillar: { app: { port: 8080 } } });
    assert.equal(r.result, true, r.comment);
    assert.equal(await text(f), 'port=8080\nhost=edge7\nuser=a\nuser=b\n');
  });
});

test('managed templates see name, source, user, group and mode as Salt passes them (the chosen source of a list)', async () => {
  await withEnv(async ({ p, tree, state }) => {
    await writeFile(join(tree, 'env.sh.j2'), '# from <{{ source }}> for {{ name }} mode={{ mode }} user={{ user }} ctx={{ source2 }}\n');
    const f = p('env.sh');
    const r = await state('managed', { name: f, source: ['umec://missing.j2', 'umec://env.sh.j2'], template: 'jinja', mode: '0640', context: { source2: 'c' } });
    assert.equal(r.result, true, r.comment);
    assert.equal(await text(f), `# from <umec://env.sh.j2> for ${f} mode=0640 user=None ctx=c\n`);
  });
});

test('managed takes contents from a pillar key (colon path) and fails when it is missing', async () => {
  await withEnv(async ({ p, state }) => {
    const pillar = { app: { motd: 'welcome' } };
    const r = await state('managed', { name: p('motd'), contents_pillar: 'app:motd' }, { pillar });
    assert.equal(r.result, true);
    assert.equal(await text(p('motd')), 'welcome\n');
    const missing = await state('managed', { name: p('other'), contents_pillar: 'app:nothere' }, { pillar });
    assert.equal(missing.result, false);
    assert.match(missing.comment, /Pillar app:nothere does not exist/);
    assert.equal(existsSync(p('other')), false);
  });
});

test('managed fails with a clear comment when the parent is missing and makedirs is false', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('no', 'such', 'file');
    const r = await state('managed', { name: f, contents: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /Parent directory not present: .*\/no\/such/);
    assert.match(r.comment, /makedirs/);
    assert.equal(existsSync(p('no')), false);
  });
});

test('managed with makedirs: true creates the missing parents', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('deep', 'er', 'file');
    const r = await state('managed', { name: f, contents: 'x', makedirs: true });
    assert.equal(r.result, true);
    assert.ok((await stat(p('deep', 'er'))).isDirectory());
    assert.equal(await text(f), 'x\n');
  });
});

test('managed with replace: false keeps existing content but still creates absent files', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('seed');
    await writeFile(f, 'mine\n');
    const r = await state('managed', { name: f, contents: 'theirs', replace: false });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(await text(f), 'mine\n');
    const g = p('fresh');
    const c = await state('managed', { name: g, contents: 'theirs', replace: false });
    assert.deepEqual(c.changes, { diff: 'New file' });
    assert.equal(await text(g), 'theirs\n');
  });
});

test('managed with create: false leaves an absent file absent and succeeds', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('absent');
    const r = await state('managed', { name: f, contents: 'x', create: false });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.match(r.comment, /not present and create is false/);
    assert.equal(existsSync(f), false);
    await writeFile(f, 'old\n');
    const u = await state('managed', { name: f, contents: 'new', create: false });
    assert.equal(u.result, true);
    assert.equal(await text(f), 'new\n');
  });
});

test('managed fails for a relative name', async () => {
  await withEnv(async ({ state }) => {
    const r = await state('managed', { name: 'relative/path', contents: 'x' });
    assert.equal(r.result, false);
    assert.equal(r.comment, 'Specified file relative/path is not an absolute path');
    assert.equal(existsSync('relative/path'), false);
  });
});

test('managed fails when the name is a directory and leaves it alone', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('adir');
    await mkdir(d);
    await writeFile(join(d, 'inside'), 'i');
    const r = await state('managed', { name: d, contents: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /is not a regular file/);
    assert.ok((await stat(d)).isDirectory());
    assert.deepEqual(await readdir(d), ['inside']);
  });
});

test('managed in test mode predicts a new file without creating it', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('predicted');
    const r = await state('managed', { name: f, contents: 'x', mode: '0600' }, { test: true });
    assert.equal(r.result, null);
    assert.deepEqual(r.changes, { diff: 'New file', mode: '0600' });
    assert.equal(r.comment, `The file ${f} is set to be changed`);
    assert.equal(existsSync(f), false);
  });
});

test('managed in test mode predicts the diff and mode change without touching the file', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('existing');
    await writeFile(f, 'old\n');
    await chmod(f, 0o644);
    const before = await stat(f);
    const r = await state('managed', { name: f, contents: 'new', mode: '0600' }, { test: true });
    assert.equal(r.result, null);
    assert.match(String(r.changes.diff), /^-old$/m);
    assert.match(String(r.changes.diff), /^\+new$/m);
    assert.equal(r.changes.mode, '0600');
    assert.equal(await text(f), 'old\n');
    const after = await stat(f);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mode & 0o7777, 0o644);
    const same = await state('managed', { name: f, contents: 'old' }, { test: true });
    assert.equal(same.result, true);
    assert.deepEqual(same.changes, {});
  });
});

test('managed writes atomically: new inode via rename and no temp files left behind', async () => {
  await withEnv(async ({ p, dir, state }) => {
    const f = p('atomic');
    await writeFile(f, 'v1\n');
    const ino1 = (await stat(f)).ino;
    const r = await state('managed', { name: f, contents: 'v2' });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'v2\n');
    assert.notEqual((await stat(f)).ino, ino1, 'file should be replaced by rename, not rewritten in place');
    await state('managed', { name: p('atomic2'), contents: 'new' });
    assert.deepEqual((await readdir(dir)).sort(), ['atomic', 'atomic2']);
  });
});

test('managed with user/group root on a root-owned file reports no change', { skip: notRoot }, async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('owned');
    await writeFile(f, 'x\n');
    const r = await state('managed', { name: f, contents: 'x', user: 'root', group: 'root' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
  });
});

test('managed changes the owner and group of an existing file and reports them', { skip: notRoot }, async () => {
  await withEnv(async ({ p, state }) => {
    const other = await users.getUser('daemon');
    const grp = await users.getGroup('bin');
    if (!other || !grp) return; // not on this box
    const f = p('chowned');
    await writeFile(f, 'x\n');
    const r = await state('managed', { name: f, contents: 'x', user: 'daemon', group: 'bin' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { user: 'daemon', group: 'bin' });
    const st = await stat(f);
    assert.equal(st.uid, other.uid);
    assert.equal(st.gid, grp.gid);
    // a content change keeps the (non-root) owner of the replaced file
    const c = await state('managed', { name: f, contents: 'y' });
    assert.deepEqual(Object.keys(c.changes), ['diff']);
    assert.equal((await stat(f)).uid, other.uid);
    assert.equal((await stat(f)).gid, grp.gid);
  });
});

test('managed fails when the user or group does not exist and writes nothing', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('nouser');
    const r = await state('managed', { name: f, contents: 'x', user: 'umecnosuchuser' });
    assert.equal(r.result, false);
    assert.equal(r.comment, 'User umecnosuchuser is not available');
    assert.equal(existsSync(f), false);
    const g = await state('managed', { name: f, contents: 'x', group: 'umecnosuchgroup' });
    assert.equal(g.result, false);
    assert.equal(g.comment, 'Group umecnosuchgroup is not available');
    assert.equal(existsSync(f), false);
  });
});

test('managed reports Replace binary file when old or new content is binary', async () => {
  await withEnv(async ({ p, tree, state }) => {
    const f = p('blob');
    await writeFile(f, Buffer.from([0x7f, 0x45, 0x00, 0x01, 0x02]));
    const r = await state('managed', { name: f, contents: 'now text' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { diff: 'Replace binary file' });
    assert.equal(await text(f), 'now text\n');
    const bin = Buffer.from([0x00, 0xff, 0x10]);
    await writeFile(join(tree, 'bin'), bin);
    const b = await state('managed', { name: f, source: 'umec://bin' });
    assert.deepEqual(b.changes, { diff: 'Replace binary file' });
    assert.deepEqual(await readFile(f), bin);
  });
});

test('managed with show_changes: false hides the diff', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('quiet');
    await writeFile(f, 'password=old\n');
    const r = await state('managed', { name: f, contents: 'password=new', show_changes: false });
    assert.deepEqual(r.changes, { diff: '<show_changes=False>' });
    assert.equal(await text(f), 'password=new\n');
  });
});

// ---------------------------------------------------------------- file.directory

test('directory creates a missing directory and reports it as Salt 3006 does ({path: {directory: new}}, no comment)', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('newdir');
    const r = await state('directory', { name: d });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { [d]: { directory: 'new' } });
    assert.equal(r.comment, '');
    assert.ok((await stat(d)).isDirectory());
  });
});

test('directory is idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('twice');
    await state('directory', { name: d, mode: '0750' });
    const r = await state('directory', { name: d, mode: '0750' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, `The directory ${d} is in the correct state`);
  });
});

test('directory applies a requested mode on creation and on an existing directory', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('moded');
    const c = await state('directory', { name: d, mode: '0750' });
    assert.deepEqual(c.changes, { [d]: { directory: 'new' } });
    assert.equal(await modeOf(d), 0o750);
    const r = await state('directory', { name: d, mode: 700 });
    assert.equal(r.result, true);
    // Salt: the planned change under the path, and check_perms' change at the top
    assert.deepEqual(r.changes, { [d]: { mode: '0700' }, mode: '0700' });
    assert.equal(r.comment, `Directory ${d} updated`);
    assert.equal(await modeOf(d), 0o700);
    const dm = await state('directory', { name: d, dir_mode: '0711' });
    assert.deepEqual(dm.changes, { [d]: { mode: '0711' }, mode: '0711' });
    assert.equal(await modeOf(d), 0o711);
  });
});

test('directory fails when a regular file is in the way', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('isfile');
    await writeFile(f, 'x');
    const r = await state('directory', { name: f });
    assert.equal(r.result, false);
    assert.match(r.comment, /exists and is a file/);
    assert.equal(await text(f), 'x');
  });
});

test('directory needs makedirs for missing parents and creates them with it', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('a', 'b', 'c');
    const no = await state('directory', { name: d });
    assert.equal(no.result, false);
    assert.equal(no.comment, `No directory to create ${d} in`);
    assert.equal(existsSync(p('a')), false);
    const yes = await state('directory', { name: d, makedirs: true });
    assert.equal(yes.result, true);
    assert.ok((await stat(d)).isDirectory());
  });
});

test('directory in test mode predicts creation and mode change without acting', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('maybe');
    const r = await state('directory', { name: d }, { test: true });
    assert.equal(r.result, null);
    assert.deepEqual(r.changes, { [d]: { directory: 'new' } });
    assert.equal(r.comment, `The following files will be changed:\n${d}: directory - new\n`);
    assert.equal(existsSync(d), false);
    await mkdir(d);
    await chmod(d, 0o755);
    const m = await state('directory', { name: d, mode: '0700' }, { test: true });
    assert.equal(m.result, null);
    assert.deepEqual(m.changes, { [d]: { mode: '0700' } });
    assert.equal(await modeOf(d), 0o755);
  });
});

// ---------------------------------------------------------------- file.absent

test('absent removes a file', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('gone');
    await writeFile(f, 'x');
    const r = await state('absent', { name: f });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { removed: f });
    assert.equal(r.comment, `Removed file ${f}`);
    assert.equal(existsSync(f), false);
  });
});

test('absent removes a whole directory tree', async () => {
  await withEnv(async ({ p, state }) => {
    const d = p('tree');
    await mkdir(join(d, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(d, 'sub', 'deeper', 'f'), 'x');
    const r = await state('absent', { name: d });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { removed: d });
    assert.equal(r.comment, `Removed directory ${d}`);
    assert.equal(existsSync(d), false);
  });
});

test('absent removes a symlink to a directory but not the directory it points to', async () => {
  await withEnv(async ({ p, state }) => {
    await mkdir(p('real'));
    await writeFile(p('real', 'keep'), 'k');
    await symlink(p('real'), p('link'));
    const r = await state('absent', { name: p('link') });
    assert.equal(r.result, true);
    assert.equal(existsSync(p('link')), false);
    assert.equal(await text(p('real', 'keep')), 'k');
  });
});

test('absent succeeds without changes when already absent', async () => {
  await withEnv(async ({ p, state }) => {
    const r = await state('absent', { name: p('never') });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, `File ${p('never')} is not present`);
  });
});

test('absent refuses to remove the root directory', async () => {
  await withEnv(async ({ state }) => {
    // Run in test mode as a safety net: the refusal is checked before the test-mode branch,
    // so result false (not null) proves it; a regression can then never actually delete '/'.
    for (const name of ['/', '//', '///']) {
      const r = await state('absent', { name }, { test: true });
      assert.equal(r.result, false, name);
      assert.equal(r.comment, 'Refusing to remove the root directory');
      assert.deepEqual(r.changes, {});
    }
  });
});

test('absent fails for a relative name', async () => {
  await withEnv(async ({ state }) => {
    const r = await state('absent', { name: 'tmp' });
    assert.equal(r.result, false);
    assert.match(r.comment, /not an absolute path/);
  });
});

test('absent in test mode predicts removal and keeps the file', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('stay');
    await writeFile(f, 'x');
    const r = await state('absent', { name: f }, { test: true });
    assert.equal(r.result, null);
    assert.deepEqual(r.changes, { removed: f });
    assert.equal(await text(f), 'x');
  });
});

// ---------------------------------------------------------------- file.symlink

test('symlink creates a link to the target', async () => {
  await withEnv(async ({ p, state }) => {
    const l = p('link');
    const r = await state('symlink', { name: l, target: '/etc/hostname' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { new: l });
    assert.equal(r.comment, `Created new symlink ${l} -> /etc/hostname`);
    assert.ok((await lstat(l)).isSymbolicLink());
    assert.equal(await readlink(l), '/etc/hostname');
  });
});

test('symlink is idempotent', async () => {
  await withEnv(async ({ p, dir, state }) => {
    const l = p('link');
    await state('symlink', { name: l, target: 'relative-target' });
    const r = await state('symlink', { name: l, target: 'relative-target' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.deepEqual(await readdir(dir), ['link']);
  });
});

test('symlink retargets an existing link without needing force', async () => {
  await withEnv(async ({ p, dir, state }) => {
    const l = p('link');
    await symlink('/old/target', l);
    const r = await state('symlink', { name: l, target: '/new/target' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { change: l });
    assert.equal(r.comment, `Set symlink ${l} to point to /new/target`);
    assert.equal(await readlink(l), '/new/target');
    assert.deepEqual(await readdir(dir), ['link'], 'no temporary link left behind');
  });
});

test('symlink refuses to replace a regular file without force', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('regular');
    await writeFile(f, 'data');
    const r = await state('symlink', { name: f, target: '/etc/hostname' });
    assert.equal(r.result, false);
    assert.match(r.comment, /force/);
    assert.ok((await lstat(f)).isFile());
    assert.equal(await text(f), 'data');
  });
});

test('symlink with force replaces a regular file and a directory', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('regular');
    await writeFile(f, 'data');
    const r = await state('symlink', { name: f, target: '/etc/hostname', force: true });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { change: f });
    assert.ok((await lstat(f)).isSymbolicLink());
    assert.equal(await readlink(f), '/etc/hostname');
    const d = p('dir');
    await mkdir(d);
    await writeFile(join(d, 'x'), 'x');
    const rd = await state('symlink', { name: d, target: '/tmp', force: true });
    assert.equal(rd.result, true);
    assert.ok((await lstat(d)).isSymbolicLink());
  });
});

test('symlink in test mode predicts the link without creating it', async () => {
  await withEnv(async ({ p, state }) => {
    const l = p('link');
    const r = await state('symlink', { name: l, target: '/etc/hostname' }, { test: true });
    assert.equal(r.result, null);
    assert.deepEqual(r.changes, { new: l });
    assert.equal(existsSync(l), false);
    await symlink('/old', l);
    const c = await state('symlink', { name: l, target: '/new' }, { test: true });
    assert.equal(c.result, null);
    assert.deepEqual(c.changes, { change: l });
    assert.equal(await readlink(l), '/old');
  });
});

test('symlink needs makedirs for a missing parent', async () => {
  await withEnv(async ({ p, state }) => {
    const l = p('x', 'y', 'link');
    const no = await state('symlink', { name: l, target: '/t' });
    assert.equal(no.result, false);
    assert.match(no.comment, /Parent directory not present/);
    const yes = await state('symlink', { name: l, target: '/t', makedirs: true });
    assert.equal(yes.result, true);
    assert.equal(await readlink(l), '/t');
  });
});

// ---------------------------------------------------------------- file.append

test('append adds only the lines that are missing', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('hosts');
    await writeFile(f, 'a\nb\n');
    const r = await state('append', { name: f, text: ['b', 'c', 'a', 'd'] });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Appended 2 lines');
    assert.match(String(r.changes.diff), /^\+c$/m);
    assert.match(String(r.changes.diff), /^\+d$/m);
    assert.doesNotMatch(String(r.changes.diff), /^[-+][ab]$/m);
    assert.equal(await text(f), 'a\nb\nc\nd\n');
  });
});

test('append is idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('f');
    await writeFile(f, 'a\n');
    await state('append', { name: f, text: 'line one\nline two' });
    assert.equal(await text(f), 'a\nline one\nline two\n');
    const ino = (await stat(f)).ino;
    const r = await state('append', { name: f, text: 'line one\nline two' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, `File ${f} is in correct state`);
    assert.equal((await stat(f)).ino, ino);
  });
});

test('append leaves a file without a final newline untouched when every line is present', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('nonl');
    await writeFile(f, 'a\nb');
    const r = await state('append', { name: f, text: 'b' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(await text(f), 'a\nb');
    const add = await state('append', { name: f, text: 'c' });
    assert.equal(add.result, true);
    assert.equal(await text(f), 'a\nb\nc\n');
  });
});

test('append creates a missing file', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('created');
    const r = await state('append', { name: f, text: ['x', 'y'] });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, { diff: 'New file' });
    assert.equal(await text(f), 'x\ny\n');
  });
});

test('append keeps the mode of the file it extends', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('private');
    await writeFile(f, 'a\n');
    await chmod(f, 0o600);
    await state('append', { name: f, text: 'b' });
    assert.equal(await modeOf(f), 0o600);
    assert.equal(await text(f), 'a\nb\n');
  });
});

test('append in test mode predicts the change without writing', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('f');
    await writeFile(f, 'a\n');
    const r = await state('append', { name: f, text: 'b' }, { test: true });
    assert.equal(r.result, null);
    assert.match(String(r.changes.diff), /^\+b$/m);
    assert.equal(await text(f), 'a\n');
    const n = await state('append', { name: p('none'), text: 'b' }, { test: true });
    assert.equal(n.result, null);
    assert.equal(existsSync(p('none')), false);
  });
});

// ---------------------------------------------------------------- file.line

test('line ensure replaces the matching line and is idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'host=a\nport=1\n');
    const r = await state('line', { name: f, mode: 'ensure', match: '^port=', content: 'port=2' });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Changes were made');
    assert.match(String(r.changes.diff), /^-port=1$/m);
    assert.match(String(r.changes.diff), /^\+port=2$/m);
    assert.equal(await text(f), 'host=a\nport=2\n');
    const again = await state('line', { name: f, mode: 'ensure', match: '^port=', content: 'port=2' });
    assert.equal(again.result, true);
    assert.deepEqual(again.changes, {});
    assert.equal(again.comment, `File ${f} is in correct state`);
  });
});

test('line ensure appends the content when no line matches', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'host=a\n');
    const r = await state('line', { name: f, mode: 'ensure', match: '^port=', content: 'port=2' });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'host=a\nport=2\n');
  });
});

test('line replace rewrites every matching line and is idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'a=1\nb=1\na=2\n');
    const r = await state('line', { name: f, mode: 'replace', match: '^a=', content: 'a=9' });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'a=9\nb=1\na=9\n');
    const again = await state('line', { name: f, mode: 'replace', match: '^a=', content: 'a=9' });
    assert.deepEqual(again.changes, {});
    const none = await state('line', { name: f, mode: 'replace', match: '^zzz', content: 'z' });
    assert.deepEqual(none.changes, {});
    assert.equal(await text(f), 'a=9\nb=1\na=9\n');
  });
});

test('line delete removes every matching line and is idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, '# comment\nkeep\n  # indented? no: only ^#\n#another\n');
    const r = await state('line', { name: f, mode: 'delete', match: '^#' });
    assert.equal(r.result, true);
    assert.equal(await text(f), 'keep\n  # indented? no: only ^#\n');
    const again = await state('line', { name: f, mode: 'delete', match: '^#' });
    assert.deepEqual(again.changes, {});
  });
});

test('line insert after an anchor line, idempotent', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('ini');
    await writeFile(f, '[main]\na=1\n[other]\nb=2\n');
    const args = { name: f, mode: 'insert', after: '^\\[main\\]', content: 'x=1' };
    const r = await state('line', args);
    assert.equal(r.result, true);
    assert.equal(await text(f), '[main]\nx=1\na=1\n[other]\nb=2\n');
    const again = await state('line', args);
    assert.deepEqual(again.changes, {});
    assert.equal(await text(f), '[main]\nx=1\na=1\n[other]\nb=2\n');
  });
});

test('line insert before an anchor line', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('ini');
    await writeFile(f, '[main]\na=1\n[other]\nb=2\n');
    const r = await state('line', { name: f, mode: 'insert', before: '^\\[other\\]', content: 'z=0' });
    assert.equal(r.result, true);
    assert.equal(await text(f), '[main]\na=1\nz=0\n[other]\nb=2\n');
  });
});

test('line insert at location start and (by default) at the end', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('lst');
    await writeFile(f, 'middle\n');
    await state('line', { name: f, mode: 'insert', location: 'start', content: 'first' });
    await state('line', { name: f, mode: 'insert', content: 'last' });
    assert.equal(await text(f), 'first\nmiddle\nlast\n');
  });
});

test('line insert fails when neither before nor after matches', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('ini');
    await writeFile(f, 'a\n');
    const r = await state('line', { name: f, mode: 'insert', after: '^nomatch', content: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /Neither before nor after matched/);
    assert.equal(await text(f), 'a\n');
  });
});

test('line fails on a missing file unless create is true', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('missing');
    const r = await state('line', { name: f, mode: 'ensure', content: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /does not exist/);
    assert.equal(existsSync(f), false);
    const c = await state('line', { name: f, mode: 'ensure', content: 'x', create: true });
    assert.equal(c.result, true);
    assert.equal(await text(f), 'x\n');
  });
});

test('line fails with a clear comment on an invalid regular expression in match, before or after', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'a\n');
    const r = await state('line', { name: f, mode: 'replace', match: '(unclosed', content: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /Invalid match expression/);
    for (const anchor of [{ after: '[bad' }, { before: '(bad' }]) {
      const a = await state('line', { name: f, mode: 'insert', content: 'x', ...anchor });
      assert.equal(a.result, false, JSON.stringify(anchor));
      assert.match(a.comment, /Invalid/);
    }
    assert.equal(await text(f), 'a\n');
  });
});

test('line requires content except in delete mode', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'a\n');
    const r = await state('line', { name: f, mode: 'ensure', match: 'a' });
    assert.equal(r.result, false);
    assert.match(r.comment, /Content can only be empty if mode is delete/);
  });
});

test('line leaves a file without a final newline untouched when nothing changes', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('nonl');
    await writeFile(f, 'port=2');
    const r = await state('line', { name: f, mode: 'ensure', match: '^port=', content: 'port=2' });
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, {});
    assert.equal(await text(f), 'port=2');
  });
});

test('line in test mode predicts the change without writing', async () => {
  await withEnv(async ({ p, state }) => {
    const f = p('cfg');
    await writeFile(f, 'port=1\n');
    const r = await state('line', { name: f, mode: 'replace', match: '^port', content: 'port=2' }, { test: true });
    assert.equal(r.result, null);
    assert.match(String(r.changes.diff), /^\+port=2$/m);
    assert.equal(await text(f), 'port=1\n');
  });
});

test('file.managed follows a symlink: the target file changes, the link stays a link', async () => {
  await withEnv(async ({ p, state }) => {
    await writeFile(p('real.conf'), 'old\n');
    await symlink(p('real.conf'), p('link.conf'));
    const r = await state('managed', { name: p('link.conf'), contents: 'new' });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.name, p('link.conf'));
    assert.equal(await text(p('real.conf')), 'new\n');
    assert.ok((await lstat(p('link.conf'))).isSymbolicLink());
    assert.deepEqual((await state('managed', { name: p('link.conf'), contents: 'new' })).changes, {});
  });
});

test('file.managed on a dangling symlink fails and leaves it alone', async () => {
  await withEnv(async ({ p, state }) => {
    await symlink(p('missing'), p('dangling'));
    const r = await state('managed', { name: p('dangling'), contents: 'x' });
    assert.equal(r.result, false);
    assert.match(r.comment, /symlink to a missing file/);
    assert.ok((await lstat(p('dangling'))).isSymbolicLink());
  });
});

test('file.managed in test mode predicts the change when the parent is missing (Salt does not look at the parent in test mode)', async () => {
  await withEnv(async ({ p, state }) => {
    const r = await state('managed', { name: p('no', 'such', 'f'), contents: 'x' }, { test: true });
    assert.equal(r.result, null);
    assert.match(r.comment, /is set to be changed/);
    assert.ok(r.changes.diff !== undefined, 'the new content is predicted');
    assert.equal(existsSync(p('no')), false);
  });
});

test('file.managed diff headers carry no trailing whitespace', async () => {
  await withEnv(async ({ p, state }) => {
    await writeFile(p('d'), 'a\n');
    const r = await state('managed', { name: p('d'), contents: 'b' });
    assert.match(String(r.changes.diff), /^--- \n\+\+\+ \n@@ -1,1 \+1,1 @@\n-a\n\+b\n$/);
  });
});
