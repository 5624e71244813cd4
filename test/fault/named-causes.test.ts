import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { ProcFleet } from '../helpers/fault.js';
import { umec } from '../helpers/procs.js';
import { writeTree } from '../helpers/tree.js';

// Issue 27: causes are named. Filesystem errors keep their code ([IO] with path and hint), an
// empty master.yaml does not quietly listen everywhere, a hostile target gets a clear error, and
// -t bounds the CLI's wait even when the master is stopped.

test('a data_dir that is a file: [IO] ENOTDIR naming the path, with a hint', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-causes-');
  try {
    writeFileSync(join(dir, 'notadir'), 'a file\n');
    await writeTree(dir, { 'master.yaml': `data_dir: ${dir}/notadir/m\ninterface: 127.0.0.1\nstate_root: ${dir}\npillar_root: ${dir}\n` });
    const r = umec(['master', 'start', '--config', join(dir, 'master.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Error: ${dir}/notadir/m\\S*: mkdir failed \\(ENOTDIR\\); a part of the path is a file where a directory should be.* \\[IO\\]`));
  } finally { await cleanup(); }
});

test('an empty master.yaml, or one without interface, refuses to start instead of listening on every address', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-causes-');
  try {
    await writeTree(dir, { 'empty.yaml': '', 'nobind.yaml': `data_dir: ${dir}/m\n` });
    for (const [f, why] of [['empty.yaml', 'the file is empty'], ['nobind.yaml', 'interface is not set']]) {
      const r = umec(['master', 'start', '--config', join(dir, f)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${f}: ${why}: the master will not pick an address to listen on by itself; add interface: 127.0.0.1 .* \\[CONFIG\\]`));
    }
  } finally { await cleanup(); }
});

test('a full disk (a small tmpfs) under data_dir: [IO] ENOSPC with the path and a hint', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-causes-');
  const mnt = join(dir, 'small');
  mkdirSync(mnt);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(mount.status, 0, `mounting a tmpfs needs root: ${mount.stderr}`);
  try {
    // fill it up, leaving a few bytes
    spawnSync('dd', ['if=/dev/zero', `of=${mnt}/fill`, 'bs=4k'], { encoding: 'utf8' });
    await writeTree(dir, { 'master.yaml': `data_dir: ${mnt}/m\ninterface: 127.0.0.1\nstate_root: ${dir}\npillar_root: ${dir}\n` });
    mkdirSync(join(mnt, 'm', 'pki'), { recursive: true });
    const r = umec(['master', 'start', '--config', join(dir, 'master.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`Error: ${mnt}/m/\\S+: \\w+ failed \\(ENOSPC\\); the filesystem is full.* \\[IO\\]`));
  } finally {
    spawnSync('umount', [mnt]);
    await cleanup();
  }
});

test('a target nested 5000 deep is refused naming the limit; -t bounds the wait while the master is stopped (SIGSTOP)', { timeout: 90_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-causes-');
  const f = await ProcFleet.create(dir);
  try {
    const master = await f.startMaster();
    const deep = f.cli(['ping', '-C', `${'('.repeat(5000)}x${')'.repeat(5000)}`, '-t', '2']);
    assert.equal(deep.code, 2, deep.stderr);
    assert.match(deep.stderr, /bad target expression .*: parentheses and "not" nested deeper than 100 levels \[TARGET_SYNTAX\]/);
    assert.ok(deep.stderr.length < 1000, 'the error does not repeat the whole target');

    master.proc.kill('SIGSTOP');
    try {
      const r = f.cli(['ping', '*', '-t', '1'], 40_000);
      assert.notEqual(r.code, null, 'the CLI ended by itself');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /No end of the job from the master within -t 1 s \(\+5 s\); stopped waiting/);
    } finally { master.proc.kill('SIGCONT'); }
  } finally {
    f.close();
    await cleanup();
  }
});
