import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveKeyPair, Dealer } from 'zeromq';
import { PendingKeyLimit, type PendingRefusal } from '../../master/pending-limit.js';
import { seal, sharedKey } from '../../lib/wire.js';
import { startMaster, waitFor } from '../helpers/fleet.js';

type Pair = { publicKey: string; secretKey: string };

const MiB = 1024 * 1024;

/** A CURVE client of the master's request socket that keeps every reply it gets. */
function client(endpoint: string, serverKey: string, pair: Pair) {
  const sock = new Dealer({ curveServerKey: serverKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey, linger: 0, sendTimeout: 2000 });
  const replies: Record<string, unknown>[] = [];
  const events: string[] = [];
  sock.events.on('disconnect', () => events.push('disconnect'));
  sock.connect(endpoint);
  void (async () => {
    try { for await (const [head] of sock) replies.push(JSON.parse(head.toString('utf8')) as Record<string, unknown>); } catch { /* closed */ }
  })();
  return { sock, replies, events, send: (frames: Buffer[]) => sock.send(frames).catch(() => undefined) };
}

test('a flood of new CURVE keys and oversized frames: pending keys capped (with an event), big frames never read, the accepted agent runs its job', async () => {
  const f = await startMaster({ master: { max_message_size: MiB, max_pending_keys: 25, pending_keys_per_minute: 100_000 } });
  const clients: Array<ReturnType<typeof client>> = [];
  try {
    await f.startAccepted({ A: { os: 'Debian' } });
    const endpoint = `tcp://127.0.0.1:${f.masterConfig.return_port}`;
    const masterKey = f.master.core.pair.publicKey;
    const mac = (p: Pair) => sharedKey(p.secretKey, masterKey);
    const open = (p: Pair) => { const c = client(endpoint, masterKey, p); clients.push(c); return c; };

    // the legitimate agent's job runs through the whole flood
    const job = await f.master.core.startJob({ fun: 'run', args: { cmd: ['sh', '-c', 'sleep 1.5; echo survived'] }, tgt: 'A', tgt_type: 'glob', timeout: 20 });
    const from = f.events.length;

    // 1. 150 new keys asking to be accepted
    const flood = Array.from({ length: 150 }, (_, i) => {
      const p = curveKeyPair();
      const c = open(p);
      void c.send(seal(mac(p), 'key_request', `flood-${i}`, { pubkey: p.publicKey, grains: {} }));
      return c;
    });
    // 2. frames far over max_message_size (8 MiB each, three to a message), from new keys
    const big = Buffer.alloc(8 * MiB, 0x41);
    const bombers = Array.from({ length: 4 }, (_, i) => {
      const p = curveKeyPair();
      const c = open(p);
      const head = seal(mac(p), 'key_request', `bomber-${i}`, { pubkey: p.publicKey })[0];
      void c.send([head, big, big]);
      return c;
    });
    // 3. a key request under the size limit but far bigger than any key request
    const fat = curveKeyPair();
    void open(fat).send(seal(mac(fat), 'key_request', 'fat', { pubkey: fat.publicKey, grains: { pad: 'x'.repeat(200 * 1024) } }));
    // 4. a box with a good enrolment token, during the flood
    const { token } = await f.master.core.tokens.create({ ttlSeconds: 600, uses: 1 });
    const boxPair = curveKeyPair();
    const box = open(boxPair);
    void box.send(seal(mac(boxPair), 'key_request', 'tok-box', { pubkey: boxPair.publicKey, grains: {}, token }));

    await waitFor(() => flood.every((c) => c.replies.length > 0), 'every flooding key to get an answer', 15_000);
    const done = await f.waitEvent((e) => e.tag === `umec/job/${job.jid}/done`, 'the job to finish', 20_000);
    assert.deepEqual(done.data.missing, []);
    assert.equal(job.returns.get('A')?.ret, 'survived', 'the accepted agent returned during the flood');

    // the pending list stopped at its cap; the others were told why and left no key behind
    const keys = f.master.core.keys.list();
    assert.equal(keys.pending.length, 25, `pending: ${keys.pending.length}`);
    const refused = flood.filter((c) => typeof c.replies[0].reason === 'string');
    assert.equal(refused.length, 125);
    assert.match(String(refused[0].replies[0].reason), /max_pending_keys 25/);
    const limits = f.since(from, (e) => e.tag === 'umec/key/limit');
    assert.ok(limits.length >= 1 && limits.length <= 2, `limit events are throttled: ${limits.length}`);
    assert.equal(limits[0].data.why, 'cap');

    // the token box got in regardless of the cap
    await waitFor(() => box.replies.length, 'the token box answer');
    assert.equal(box.replies[0].status, 'accepted');
    assert.equal(f.master.core.keys.get('tok-box')?.state, 'accepted');

    // oversized messages were never read: no key, no drop event for them, their connections cut
    await waitFor(() => bombers.every((c) => c.events.includes('disconnect')), 'the master to cut the oversized senders', 10_000);
    for (let i = 0; i < 4; i++) assert.equal(f.master.core.keys.get(`bomber-${i}`), undefined);
    const drops = f.since(from, (e) => e.tag === 'umec/auth/dropped');
    assert.ok(!drops.some((e) => /8388608|bomber/.test(String(e.data.detail))), JSON.stringify(drops));
    // the fat key request was dropped unparsed
    assert.ok(drops.some((e) => /key_request body of \d+ bytes/.test(String(e.data.detail))), JSON.stringify(drops));
    assert.equal(f.master.core.keys.get('fat'), undefined);

    // and the agent keeps working afterwards
    const ping = await f.runJob({ fun: 'ping', args: {}, tgt: 'A', tgt_type: 'glob', timeout: 5 });
    assert.equal(ping.returns.get('A')?.ret, true);
  } finally {
    for (const c of clients) c.sock.close();
    await f.stopAll();
  }
});

test('a return over max_return_size is sent as a failure saying so, and the agent stays connected', async () => {
  const f = await startMaster({ agent: { max_return_size: 4096 } });
  try {
    await f.startAccepted({ B: { os: 'Debian' } });
    const r = await f.runJob({ fun: 'run', args: { cmd: ['sh', '-c', 'head -c 20000 /dev/zero | tr "\\0" x'] }, tgt: 'B', tgt_type: 'glob', timeout: 10 });
    const ret = r.returns.get('B');
    assert.equal(ret?.success, false);
    assert.match(String(ret?.ret), /more than max_return_size \(4096\)/);
    const small = await f.runJob({ fun: 'run', args: { cmd: ['echo', 'small'] }, tgt: 'B', tgt_type: 'glob', timeout: 10 });
    assert.equal(small.returns.get('B')?.ret, 'small');
  } finally {
    await f.stopAll();
  }
});

test('new pending keys are rate limited per minute; the notice is told once per quiet period', () => {
  let now = 0;
  const told: PendingRefusal[] = [];
  const l = new PendingKeyLimit({ max: 100, perMinute: 3, notify: (r) => told.push(r), now: () => now, quietMs: 10_000 });
  assert.equal(l.take(0), undefined);
  assert.equal(l.take(1), undefined);
  assert.equal(l.take(2), undefined);
  assert.equal(l.take(3)?.why, 'rate');
  assert.equal(l.take(3)?.why, 'rate');
  assert.equal(told.length, 1);
  now += 20_000; // one more slot a third of a minute later
  assert.equal(l.take(3), undefined);
  assert.match(l.take(4)?.reason ?? '', /pending_keys_per_minute/);
  assert.equal(told.length, 2);
  now += 10 * 60_000;
  assert.equal(l.take(100)?.why, 'cap');
});
