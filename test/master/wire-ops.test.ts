import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import { WIRE_OPS, type WireType } from '../../lib/wire-ops.js';
import { writeCamPackage } from '../helpers/app-package.js';
import { startMaster } from '../helpers/fleet.js';

/** The channel's request without its types: these tests send what a typed agent cannot. */
type Raw = (type: string, body: unknown, timeoutSec?: number) => Promise<{ body: Record<string, unknown>; data?: Buffer }>;

const REPORT = { kind: 'schedule', name: 'hourly', jid: '20260101000000123456', fun: 'ping', args: {}, startedAt: '2026-01-01T00:00:00Z', ret: true, retcode: 0, success: true };

// key_request is answered before a key is accepted and is tested with hand-made keys in hostile.test.ts
const CASES: Record<Exclude<WireType, 'key_request'>, { good: (c: { hash: string; app: string }) => unknown; bad: Array<[unknown, RegExp]> }> = {
  hello: { good: () => ({ grains: { os: 'Debian' }, start: false }), bad: [[{ grains: 'Debian' }, /hello: grains must be object/], [{ start: 1 }, /start must be boolean/]] },
  return: {
    good: () => ({ jid: '20260101000000000001', fun: 'ping', ret: true, retcode: 0, success: true }),
    bad: [[{ jid: '1', fun: 'ping', ret: true, retcode: 0, success: true }, /return: jid must be a job id/], [{ jid: '20260101000000000001', fun: 'ping', ret: true, retcode: 0 }, /success is required/]],
  },
  manifest: { good: () => ({}), bad: [[{ have: 5 }, /manifest: have must be string/]] },
  file: {
    good: (c) => ({ hash: c.hash }),
    bad: [[{}, /file: hash is required/], [{ hash: 'x', offset: -1, length: 10 }, /offset must be a byte offset/], [{ hash: 'x', length: 0 }, /length must be a byte count/]],
  },
  app: { good: (c) => ({ name: c.app }), bad: [[{ version: '1.0' }, /app: name is required/]] },
  pillar: { good: () => ({}), bad: [[{ id: 'other-box' }, /pillar: id is not a known field/]] },
  local_job: {
    good: () => REPORT,
    bad: [[{ ...REPORT, kind: 'cron' }, /local_job: kind must be one of commission, schedule/], [{ ...REPORT, startedAt: 'yesterday' }, /local_job: bad startedAt/]],
  },
  event: {
    good: () => ({ kind: 'cache/corrupt', data: { path: '/var/lib/umec/agent/cache/files/x', expected: 'a', actual: 'b' } }),
    bad: [[{ kind: 'key/accepted', data: {} }, /event: kind must be one of cache\/corrupt/], [{ kind: 'cache/corrupt' }, /data is required/]],
  },
  stop: { good: () => ({}), bad: [[{ now: true }, /stop: now is not a known field/]] },
};

test('every agent message is answered in its reply schema, and a bad body is dropped as malformed naming the field', { timeout: 60_000 }, async () => {
  const f = await startMaster({ states: { 'top.sls': "base:\n  '*': []\n" } });
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const pkg = await writeCamPackage(f.root);
    await f.master.core.apps.onboard(pkg);
    const job = await f.runJob({ fun: 'ping', args: {}, tgt: 'box1', tgt_type: 'list' });
    const manifest = await f.master.core.files.manifest();
    const ctx = { hash: Object.values(manifest.files)[0], app: 'cam' };
    assert.ok(ctx.hash, 'the state tree has a file');
    const raw = f.agents.get('box1')!.channel.request as unknown as Raw;
    const ajv = new Ajv({ strict: false, allErrors: true });

    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(WIRE_OPS).filter((t) => t !== 'key_request').sort());
    for (const [type, c] of Object.entries(CASES)) {
      for (const [body, says] of c.bad) {
        const from = f.events.length;
        await assert.rejects(raw(type, body, 0.5), /no answer/, `${type} ${JSON.stringify(body)} gets no answer`);
        const dropped = f.since(from).find((e) => e.tag === 'umec/auth/dropped');
        assert.equal(dropped?.data.reason, 'malformed', `${type} ${JSON.stringify(body)}`);
        assert.match(String(dropped?.data.detail), says);
      }
      let good = c.good(ctx);
      if (type === 'return') good = { ...(good as object), jid: job.jid };
      const r = await raw(type, good, 5);
      const valid = ajv.compile(WIRE_OPS[type as WireType].reply);
      assert.ok(valid(r.body), `${type} reply ${JSON.stringify(r.body)}: ${ajv.errorsText(valid.errors)}`);
      if (type === 'file') assert.ok(r.data && r.data.length > 0, 'file bytes come as the second frame');
    }
  } finally {
    await f.stopAll();
  }
});
