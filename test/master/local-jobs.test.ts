import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMaster } from '../helpers/fleet.js';

test('local_job: an agent files its own job and return in the job cache; it cannot write into another job or send a malformed report', { timeout: 60_000 }, async () => {
  const f = await startMaster();
  try {
    await f.startAccepted({ a1: { os: 'Debian' }, a2: { os: 'Debian' } });
    const ch = f.agents.get('a1')!.channel;
    const report = { kind: 'schedule' as const, name: 'hourly', jid: '20260101000000123456', fun: 'ping' as const, args: {}, startedAt: new Date().toISOString(), ret: true, retcode: 0, success: true };
    assert.deepEqual((await ch.request('local_job', report, 5)).body.ok, true);
    assert.deepEqual((await ch.request('local_job', report, 5)).body.ok, true, 'a duplicate delivery is fine');
    const stored = await f.master.core.store.getJob(report.jid);
    assert.equal(stored?.job.user, 'schedule:hourly');
    assert.deepEqual(stored?.job.targets, ['a1']);
    assert.equal(stored?.returns.length, 1);

    // a2's job jid: a1 may not add a return to it
    const other = await f.runJob({ fun: 'ping', args: {}, tgt: 'a2', tgt_type: 'list' });
    const r = await ch.request('local_job', { ...report, jid: other.jid }, 5);
    assert.deepEqual(r.body, { ok: false, error: 'jid already taken' });
    assert.deepEqual((await f.master.core.store.getJob(other.jid))?.returns.map((x) => x.id), ['a2']);

    // malformed reports are dropped like any malformed message
    const dropped = f.events.length;
    await assert.rejects(ch.request('local_job', { ...report, jid: '../../etc' }, 1), /no answer/);
    assert.ok(f.since(dropped).some((e) => e.tag === 'umec/auth/dropped' && /local_job: jid must be a job id/.test(String(e.data.detail))));

    // a commissioning report becomes the commissioned event with the counts
    const states = { 'file_|-x_|-x_|-managed': { result: true, changes: { diff: 'New file' } }, 'cmd_|-y_|-y_|-run': { result: false, changes: {} } };
    await ch.request('local_job', { ...report, kind: 'commission', name: 'highstate', jid: '20260101000000654321', fun: 'apply', ret: states, retcode: 1, success: false, attempt: 3 }, 5);
    const ev = await f.waitEvent((e) => e.tag === 'umec/agent/a1/commission/failed', 'commission failed event');
    assert.deepEqual({ ...ev.data }, { id: 'a1', jid: '20260101000000654321', attempt: 3, success: false, retcode: 1, states: 2, failed: 1, changed: 1 });
  } finally {
    await f.stopAll();
  }
});
