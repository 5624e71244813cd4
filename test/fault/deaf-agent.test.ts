import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { ProcFleet } from '../helpers/fault.js';
import { umecProc, until } from '../helpers/procs.js';

// Issue 27: an agent whose key the master forgot (deleted, or its file damaged) asks again by itself;
// it is never left deaf until someone restarts it.

test('after umec key delete the agent asks again, shows up pending and answers once accepted, without a restart', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-deaf-');
  const f = await ProcFleet.create(dir);
  try {
    await f.startMaster();
    const agent = await f.startAgent('d1');
    await f.waitKey('d1', 'pending');
    assert.equal(f.cli(['key', 'accept', 'd1']).code, 0);
    await f.waitAnswers('d1');

    const del = f.cli(['key', 'delete', 'd1']);
    assert.equal(del.code, 0, del.stderr);
    assert.ok(!f.keys().accepted.includes('d1'));
    await f.waitKey('d1', 'pending');
    await until('the agent saying why it asks again', () => /no longer has this agent's key accepted \(it is pending there\)/.test(agent.err()) || undefined);

    assert.equal(f.cli(['key', 'accept', 'd1']).code, 0);
    await f.waitAnswers('d1');
    await until('the agent saying it is accepted again', () => /key accepted again by the master/.test(agent.err()) || undefined);
    assert.equal(agent.proc.exitCode, null, 'the agent was never restarted');
  } finally {
    f.close();
    await cleanup();
  }
});

test('a damaged accepted key file: the master names it, moves it aside, the agent comes back pending; restoring the file accepts it again', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-deaf-');
  const f = await ProcFleet.create(dir);
  try {
    await f.startMaster();
    const agent = await f.startAgent('d2');
    await f.waitKey('d2', 'pending');
    assert.equal(f.cli(['key', 'accept', 'd2']).code, 0);
    await f.waitAnswers('d2');
    const acceptedFile = join(f.masterData, 'pki', 'agents', 'accepted', 'd2');
    const key = readFileSync(acceptedFile, 'utf8');

    for (const [how, damage] of [['garbage', () => writeFileSync(acceptedFile, 'not a key at all\n')], ['empty', () => writeFileSync(acceptedFile, '')]] as const) {
      await f.stopMaster();
      damage();
      const master = await f.startMaster();
      await until(`the master naming the ${how} key file`, () => master.err().includes(`damaged accepted key file ${acceptedFile}`) || undefined);
      await f.waitKey('d2', 'pending');
      const aside = readdirSync(join(f.masterData, 'pki', 'agents', 'damaged'));
      assert.ok(aside.some((n) => n.startsWith('accepted.d2.')), aside.join());
      assert.ok(!existsSync(acceptedFile));
      const events = umecProc(['events', '--recent', '50', '--json', '--config', f.cfg], f.procs);
      await until('the damaged-key event', () => /umec\/key\/d2\/damaged/.test(events.out()) || undefined);
      events.proc.kill();

      // the operator restores the key file and restarts the master: the agent is accepted again
      await f.stopMaster();
      writeFileSync(acceptedFile, key);
      await f.startMaster();
      await f.waitAnswers('d2');
      assert.deepEqual(f.keys().pending, [], 'the pending copy of a restored key is gone');
    }
    assert.equal(agent.proc.exitCode, null, 'the agent was never restarted');
  } finally {
    f.close();
    await cleanup();
  }
});
