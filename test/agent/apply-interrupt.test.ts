import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startMaster, waitFor } from '../helpers/fleet.js';

const slow = Array.from({ length: 40 }, (_, i) => `step${i}:\n  cmd.run:\n    - name: "touch @OUT@/ran${i}; sleep 0.1"\n`).join('');

test('during a long apply the agent answers ping; stopping it ends the apply between states and reports it interrupted', async () => {
  const f = await startMaster({ states: { 'slow.sls': slow }, timeout: 30 });
  try {
    await f.startAccepted({ a1: { os: 'Debian' } });
    const job = await f.master.core.startJob({ fun: 'apply', args: { sls: ['slow'] }, tgt: 'a1', tgt_type: 'list', timeout: 30 });
    await waitFor(() => readFile(join(f.out, 'ran2')).then(() => true, () => false), 'the apply to be under way', 10_000);

    const ping = await f.runJob({ fun: 'ping', args: {}, tgt: 'a1', tgt_type: 'list', timeout: 3 });
    assert.equal(ping.returns.get('a1')?.ret, true, 'ping answered while states run');

    await f.stopAgent('a1');
    const ran = (await Promise.all(Array.from({ length: 40 }, (_, i) => readFile(join(f.out, `ran${i}`)).then(() => 1, () => 0)))).reduce((a, b) => a + b, 0);
    assert.ok(ran < 40, 'the apply stopped before its end');

    // the return was kept in the outbox and reaches the master once the agent runs again
    await f.startAgent('a1', { os: 'Debian' });
    const ret = await waitFor(async () => (await f.master.core.store.getJob(job.jid))?.returns.find((x) => x.id === 'a1'),
      'the interrupted return to reach the master', 15_000, 100);
    assert.equal(ret.success, false);
    const results = ret.ret as Record<string, { result: boolean; comment: string; __id__: string }>;
    const stop = Object.values(results).find((r) => r.__id__ === 'interrupted');
    assert.ok(stop, 'a pseudo-state says where the run stopped');
    assert.equal(stop.result, false);
    assert.match(stop.comment, new RegExp(`^interrupted \\(agent stopping\\) after ${ran} of 40 states; not run from slow\\.step${ran} on$`));
    assert.equal(Object.values(results).filter((r) => r.__id__.startsWith('step')).length, ran, 'every state that ran is reported');
  } finally { await f.stopAll(); }
});
