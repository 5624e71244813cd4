import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair, Dealer, Subscriber } from 'zeromq';
import type { UmecEvent } from '../../lib/messages.js';
import { seal, sharedKey } from '../../lib/wire.js';
import { sleep, startMaster, waitFor, type Fleet } from '../helpers/fleet.js';

/** How long "no answer" is waited for; the master answers a good request in a few ms. */
const SILENCE_MS = 800;

type Pair = { publicKey: string; secretKey: string };

/** A hand-driven client of the master's request socket, CURVE or (keys omitted) plain. */
class Client {
  readonly sock: Dealer;
  readonly replies: Record<string, unknown>[] = [];
  readonly socketEvents: string[] = [];

  constructor(endpoint: string, o: { pair?: Pair; serverKey?: string } = {}) {
    this.sock = o.pair
      ? new Dealer({ curveServerKey: o.serverKey, curvePublicKey: o.pair.publicKey, curveSecretKey: o.pair.secretKey, linger: 0, sendTimeout: 1000 })
      : new Dealer({ linger: 0, sendTimeout: 1000 });
    this.sock.events.on('handshake', () => this.socketEvents.push('handshake'));
    this.sock.events.on('handshake:error:auth', () => this.socketEvents.push('handshake:error:auth'));
    this.sock.events.on('handshake:error:protocol', () => this.socketEvents.push('handshake:error:protocol'));
    this.sock.connect(endpoint);
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      for await (const [head] of this.sock) {
        try { this.replies.push(JSON.parse(head.toString('utf8')) as Record<string, unknown>); } catch { this.replies.push({ unreadable: head.toString('utf8') }); }
      }
    } catch { /* closed */ }
  }

  /**
   * Sends frames; false when they could not even be queued (a DEALER whose only
   * peer refused the handshake has nowhere to put them and would block for ever).
   */
  async send(frames: (Buffer | string)[]): Promise<boolean> {
    try {
      await this.sock.send(frames);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') return false;
      throw e;
    }
  }

  /** The reply to frames (matched by nonce), or undefined when none comes within ms. */
  async request(frames: Buffer[], ms = 3000): Promise<Record<string, unknown> | undefined> {
    const nonce = (JSON.parse(frames[0].toString()) as { nonce: string }).nonce;
    await this.send(frames);
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const r = this.replies.find((x) => x.re === nonce);
      if (r) return r;
      await sleep(10);
    }
    return undefined;
  }

  repliesTo(frames: Buffer[]): Record<string, unknown>[] {
    const nonce = (JSON.parse(frames[0].toString()) as { nonce: string }).nonce;
    return this.replies.filter((x) => x.re === nonce);
  }

  close(): void {
    this.sock.close();
  }
}

let f: Fleet;
let masterPub: string;
let retEndpoint: string;
let pubEndpoint: string;
const clients: Client[] = [];
const subs: Subscriber[] = [];

function client(pair?: Pair): Client {
  const c = new Client(retEndpoint, pair ? { pair, serverKey: masterPub } : {});
  clients.push(c);
  return c;
}

const macKey = (pair: Pair) => sharedKey(pair.secretKey, masterPub);
const keyRequest = (pair: Pair, id: string) => seal(macKey(pair), 'key_request', id, { pubkey: pair.publicKey, grains: { os: 'Evil' } });

async function agentPair(id: string): Promise<Pair> {
  const dir = join(f.agentDir(id), 'pki');
  const [publicKey, secretKey] = await Promise.all(['agent.pub', 'agent.key'].map(async (n) => (await readFile(join(dir, n), 'utf8')).trim()));
  return { publicKey: publicKey, secretKey: secretKey };
}

/** A new key pair registered under id and moved to `state` on the master. */
async function registeredKey(id: string, state: 'pending' | 'accepted' | 'rejected'): Promise<Pair> {
  const pair = curveKeyPair();
  const c = client(pair);
  const r = await c.request(keyRequest(pair, id));
  assert.equal(r?.status, 'pending');
  if (state !== 'pending') await f.master.core.changeKeys(state, id, false, false);
  assert.equal(f.master.core.keys.get(id)?.state, state);
  c.close();
  return pair;
}

/** The first umec/auth/dropped event fired after index `from` of f.events. */
function dropped(from: number, what: string): Promise<UmecEvent> {
  return waitFor(() => f.since(from, (e) => e.tag === 'umec/auth/dropped')[0], `a dropped event (${what})`, 3000);
}

/** A real agent still gets jobs and returns them. */
async function masterStillServes(): Promise<void> {
  const r = await f.runJob({ fun: 'ping', args: {}, tgt: 'A', tgt_type: 'glob', timeout: 3 });
  assert.equal(r.returns.get('A')?.ret, true, 'the real agent A still answers');
}

before(async () => {
  f = await startMaster();
  await f.startAccepted({ A: { os: 'Debian' }, B: { os: 'Debian' } });
  masterPub = f.master.core.pair.publicKey;
  retEndpoint = `tcp://127.0.0.1:${f.masterConfig.return_port}`;
  pubEndpoint = `tcp://127.0.0.1:${f.masterConfig.publish_port}`;
});

after(async () => {
  for (const c of clients) c.close();
  for (const s of subs) s.close();
  await f?.stopAll();
});

test('(a) a subscriber with an unaccepted key receives no published job; an accepted key does', async () => {
  const pendingPair = await registeredKey('sub-pending', 'pending');
  const strangerPair = curveKeyPair();
  const acceptedPair = await registeredKey('sub-accepted', 'accepted');

  const listen = (pair: Pair) => {
    const sub = new Subscriber({ curveServerKey: masterPub, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey, linger: 0 });
    subs.push(sub);
    const got: string[] = [];
    const evs: string[] = [];
    for (const t of ['handshake', 'handshake:error:auth', 'handshake:error:protocol', 'handshake:error:other'] as const) sub.events.on(t, () => evs.push(t));
    sub.connect(pubEndpoint);
    sub.subscribe();
    void (async () => { try { for await (const frames of sub) got.push(frames.map((x) => x.toString()).join('|')); } catch { /* closed */ } })();
    return { got, evs };
  };
  const pending = listen(pendingPair);
  const stranger = listen(strangerPair);
  const control = listen(acceptedPair);
  await waitFor(() => control.evs.includes('handshake'), 'the accepted subscriber handshake');
  // ZAP refuses both at the CURVE handshake
  await waitFor(() => pending.evs.includes('handshake:error:auth') && stranger.evs.includes('handshake:error:auth'),
    'the refused subscribers to fail their handshakes', 3000);

  // the SUB side sends its subscription right after the handshake: publish until the control sees one
  let jid = '';
  await waitFor(async () => {
    const r = await f.runJob({ fun: 'ping', args: {}, tgt: 'A', tgt_type: 'glob', timeout: 2 });
    jid = r.jid;
    return control.got.some((m) => m.includes(r.jid));
  }, 'the accepted subscriber to receive a job', 5000, 0);
  assert.ok(control.got.some((m) => m.startsWith('job|') && m.includes(jid)));
  await sleep(200);
  assert.deepEqual(pending.got, [], 'a pending key must not see jobs');
  assert.deepEqual(stranger.got, [], 'an unknown key must not see jobs');
  assert.ok(!pending.evs.includes('handshake'), `pending subscriber events: ${pending.evs.join(',')}`);
  assert.ok(!stranger.evs.includes('handshake'), `stranger subscriber events: ${stranger.evs.join(',')}`);
});

test('(b) an unaccepted key gets no answer to hello/return/manifest/file/pillar and the master fires umec/auth/dropped', async () => {
  const pair = await registeredKey('evil-pending', 'pending');
  const stranger = curveKeyPair();
  const job = await f.master.core.startJob({ fun: 'run', args: { cmd: ['sh', '-c', 'sleep 0.3; echo real'] }, tgt: 'A', tgt_type: 'glob', timeout: 5 });
  for (const [who, p, id] of [['pending', pair, 'evil-pending'], ['unknown', stranger, 'evil-unknown']] as const) {
    const c = client(p);
    for (const [type, body] of [
      ['hello', { grains: { os: 'Evil' }, start: true }],
      ['return', { jid: job.jid, fun: 'run', ret: 'pwned', retcode: 0, success: true }],
      ['manifest', {}],
      ['file', { hash: '0'.repeat(64) }],
      ['pillar', {}],
    ] as const) {
      const from = f.events.length;
      const frames = seal(macKey(p), type, id, body);
      const reply = await c.request(frames, 300);
      assert.equal(reply, undefined, `${who} ${type} got an answer: ${JSON.stringify(reply)}`);
      const ev = await dropped(from, `${who} ${type}`);
      assert.equal(ev.data.reason, 'unknown-agent', `${who} ${type}`);
    }
    assert.deepEqual(c.replies, []);
  }
  await f.waitEvent((e) => e.tag === `umec/job/${job.jid}/done`, 'the job to finish');
  const stored = await f.master.core.store.getJob(job.jid);
  assert.deepEqual(stored?.returns.map((r) => [r.id, r.ret]), [['A', 'real']]);
  assert.equal(f.master.core.agents.get('evil-pending')?.grains?.os, undefined, 'the hello of a pending key set no grains');
  assert.equal(f.master.core.keys.get('evil-unknown'), undefined, 'messages other than key_request register no key');
});

test("(c) B's key cannot speak for A: a forged return is dropped and A's job keeps A's real return", async () => {
  const b = await agentPair('B');
  const c = client(b);
  const job = await f.master.core.startJob({ fun: 'run', args: { cmd: ['sh', '-c', 'sleep 0.5; echo real-A'] }, tgt: 'A', tgt_type: 'glob', timeout: 5 });

  // header says A, MAC made with B's key
  const from = f.events.length;
  const forged = seal(macKey(b), 'return', 'A', { jid: job.jid, fun: 'run', ret: 'forged-by-B', retcode: 0, success: true });
  assert.equal(await c.request(forged, 300), undefined);
  const ev = await dropped(from, 'forged return');
  assert.equal(ev.data.reason, 'forged');
  assert.equal(job.returns.has('A'), false, 'the forged return was not recorded');

  // B returning under its own name for a job it was not targeted by: refused, not stored
  const own = seal(macKey(b), 'return', 'B', { jid: job.jid, fun: 'run', ret: 'B-sneaks-in', retcode: 0, success: true });
  const reply = await c.request(own);
  assert.equal(reply?.ok, false);

  await f.waitEvent((e) => e.tag === `umec/job/${job.jid}/done`, 'the job to finish');
  assert.equal(job.returns.get('A')?.ret, 'real-A');
  const stored = await f.master.core.store.getJob(job.jid);
  assert.deepEqual(stored?.returns.map((r) => [r.id, r.ret]), [['A', 'real-A']]);
  assert.equal(f.since(from, (e) => e.tag === `umec/job/${job.jid}/ret/B`).length, 0);
});

test('(d) a replayed message (same frames twice) is answered once; the second is dropped as replayed', async () => {
  const pair = await registeredKey('replayer', 'accepted');
  const c = client(pair);
  const frames = seal(macKey(pair), 'manifest', 'replayer', {});
  const first = await c.request(frames);
  assert.ok(first && typeof first.hash === 'string', `first answer: ${JSON.stringify(first)}`);
  const from = f.events.length;
  await c.send(frames);
  const ev = await dropped(from, 'replay');
  assert.equal(ev.data.reason, 'replayed');
  await sleep(SILENCE_MS / 2);
  assert.equal(c.repliesTo(frames).length, 1);

  // the same for a return: a replayed return is dropped, not stored twice
  const job = await f.master.core.startJob({ fun: 'ping', args: {}, tgt: 'replayer', tgt_type: 'glob', timeout: 2 });
  const ret = seal(macKey(pair), 'return', 'replayer', { jid: job.jid, fun: 'ping', ret: true, retcode: 0, success: true });
  assert.equal((await c.request(ret))?.ok, true);
  const from2 = f.events.length;
  await c.send(ret);
  assert.equal((await dropped(from2, 'replayed return')).data.reason, 'replayed');
  await f.waitEvent((e) => e.tag === `umec/job/${job.jid}/done`, 'the job to finish');
  assert.equal((await f.master.core.store.getJob(job.jid))?.returns.length, 1);
});

test('(e) a correctly MACed message with a stale or future timestamp is dropped as stale', async () => {
  const pair = await registeredKey('time-traveller', 'accepted');
  const c = client(pair);
  for (const skew of [-10 * 60_000, 10 * 60_000]) {
    const from = f.events.length;
    const frames = seal(macKey(pair), 'manifest', 'time-traveller', {}, Date.now() + skew);
    assert.equal(await c.request(frames, 300), undefined);
    assert.equal((await dropped(from, `skew ${skew}`)).data.reason, 'stale');
  }
  // the same key with a current timestamp is served
  const fresh = await c.request(seal(macKey(pair), 'manifest', 'time-traveller', {}));
  assert.equal(typeof fresh?.hash, 'string');
});

test('(f) malformed frames are dropped as malformed and the master keeps serving', async () => {
  const pair = await registeredKey('garbler', 'accepted');
  const c = client(pair);
  const good = seal(macKey(pair), 'manifest', 'garbler', {});
  const header = (o: Record<string, unknown>) => Buffer.from(JSON.stringify({ v: 1, type: 'manifest', id: 'garbler', ts: Date.now(), nonce: 'n0nce-0123456789', ...o }));
  const mac32 = Buffer.alloc(32, 7);
  const cases: [string, (Buffer | string)[]][] = [
    ['one frame', [Buffer.from('hello')]],
    ['two frames', [good[0], good[1]]],
    ['four frames', [...good, Buffer.from('x')]],
    ['garbage header JSON', [Buffer.from('{not json'), good[1], mac32]],
    ['header is a JSON string', [Buffer.from('"manifest"'), good[1], mac32]],
    ['header without nonce', [Buffer.from(JSON.stringify({ v: 1, type: 'manifest', id: 'garbler', ts: Date.now() })), good[1], mac32]],
    ['wrong protocol version', [header({ v: 2 }), good[1], mac32]],
    ['short MAC', [good[0], good[1], good[2].subarray(0, 16)]],
    ['empty frames', [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)]],
    ['huge id', seal(macKey(pair), 'manifest', 'x'.repeat(100_000), {})],
    ['id with a path', seal(macKey(pair), 'manifest', '../../etc/passwd', {})],
    ['unknown type, correctly MACed', seal(macKey(pair), 'shell', 'garbler', { cmd: 'rm -rf /' })],
    ['key_request with garbage body', [header({ type: 'key_request' }), Buffer.from('{{{'), mac32]],
    ['key_request without a pubkey', seal(macKey(pair), 'key_request', 'garbler2', { grains: {} })],
  ];
  for (const [what, frames] of cases) {
    const from = f.events.length;
    await c.send(frames);
    const ev = await dropped(from, what);
    assert.equal(ev.data.reason, 'malformed', `${what}: ${JSON.stringify(ev.data)}`);
    assert.ok(String(ev.data.detail).length < 500, `${what}: the drop detail is bounded`);
  }
  // a correctly MACed body that is not JSON (the MAC is checked first, then the body)
  const h = Buffer.from(JSON.stringify({ v: 1, type: 'manifest', id: 'garbler', ts: Date.now(), nonce: 'bad-body-0123456' }));
  const body = Buffer.from('not-json{');
  const { createHmac } = await import('node:crypto');
  const mac = createHmac('sha256', macKey(pair)).update(h).update('\0').update(body).digest();
  const from = f.events.length;
  await c.send([h, body, mac]);
  assert.equal((await dropped(from, 'MACed garbage body')).data.reason, 'malformed');

  await sleep(100);
  assert.deepEqual(c.replies, [], 'no malformed message got an answer');
  assert.equal(f.master.core.keys.get('garbler2'), undefined);
  // the same connection still works with a proper message, and so does the real agent
  assert.equal(typeof (await c.request(seal(macKey(pair), 'manifest', 'garbler', {})))?.hash, 'string');
  await masterStillServes();
});

test('(g) a client without CURVE cannot talk to the master', async () => {
  const pair = curveKeyPair();
  const plain = client();
  const from = f.events.length;
  const frames = keyRequest(pair, 'plain-text');
  await plain.send(frames);
  // a CURVE client sending the same kind of request at the same time is answered
  const other = curveKeyPair();
  const ok = await client(other).request(keyRequest(other, 'curve-peer'));
  assert.equal(ok?.status, 'pending');
  await sleep(SILENCE_MS);
  assert.deepEqual(plain.replies, []);
  assert.equal(f.master.core.keys.get('plain-text'), undefined);
  assert.equal(f.since(from, (e) => e.tag === 'umec/auth/dropped').length, 0, 'the plain message never reached the handler');
  assert.ok(!plain.socketEvents.includes('handshake'), plain.socketEvents.join(','));
  assert.ok(plain.socketEvents.includes('handshake:error:protocol'), plain.socketEvents.join(','));
});

test('(h) a rejected key cannot connect to the request socket, not even for key_request', async () => {
  const pair = await registeredKey('rejected-one', 'rejected');
  const c = client(pair);
  const from = f.events.length;
  await c.send(keyRequest(pair, 'rejected-one'));
  await c.send(seal(macKey(pair), 'hello', 'rejected-one', { grains: {} }));
  // another id with the same rejected key: refused at the handshake too
  await c.send(keyRequest(pair, 'rejected-alias'));
  const other = curveKeyPair();
  assert.equal((await client(other).request(keyRequest(other, 'fine-peer')))?.status, 'pending');
  await waitFor(() => c.socketEvents.includes('handshake:error:auth'), 'ZAP to refuse the rejected key', 3000);
  await sleep(SILENCE_MS);
  assert.deepEqual(c.replies, []);
  assert.ok(!c.socketEvents.includes('handshake'), c.socketEvents.join(','));
  assert.equal(f.master.core.keys.get('rejected-one')?.state, 'rejected');
  assert.equal(f.master.core.keys.get('rejected-alias'), undefined);
  assert.equal(f.since(from, (e) => e.tag.startsWith('umec/key/rejected-')).length, 0);
});

test('(i) a key_request for an accepted id with a different key is a conflict and changes nothing', async () => {
  const before = f.master.core.keys.get('A')!;
  const pair = curveKeyPair();
  const c = client(pair);
  const from = f.events.length;
  const r = await c.request(keyRequest(pair, 'A'));
  assert.deepEqual(r && { status: r.status }, { status: 'conflict' });
  assert.deepEqual(f.master.core.keys.get('A'), before);
  assert.equal(f.master.core.keys.byPublicKey(pair.publicKey), undefined);
  assert.deepEqual(f.since(from, (e) => e.tag.startsWith('umec/key/A/')).map((e) => e.tag), ['umec/key/A/conflict']);
  const onDisk = (await readFile(join(f.masterConfig.data_dir, 'pki', 'agents', 'accepted', 'A'), 'utf8')).trim();
  assert.equal(onDisk, before.key);
  // with the conflicting key it still cannot act as A
  const from2 = f.events.length;
  assert.equal(await c.request(seal(macKey(pair), 'pillar', 'A', {}), 300), undefined);
  assert.equal((await dropped(from2, 'impostor pillar request')).data.reason, 'forged');
  await masterStillServes();
});

test('(j) the control socket has mode 0600', async () => {
  const st = await stat(join(f.masterConfig.data_dir, 'master.sock'));
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o600);
});

test('(k) rejecting an accepted key cuts its job subscription and its requests', async () => {
  const pair = await registeredKey('revokee', 'accepted');
  const sub = new Subscriber({ curveServerKey: masterPub, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey, linger: 0 });
  subs.push(sub);
  const got: string[] = [];
  sub.connect(pubEndpoint);
  sub.subscribe('job');
  void (async () => { try { for await (const [, m] of sub) got.push(m.toString()); } catch { /* closed */ } })();
  await waitFor(async () => {
    const r = await f.runJob({ fun: 'ping', args: {}, tgt: 'A', tgt_type: 'glob', timeout: 2 });
    return got.some((m) => m.includes(r.jid));
  }, 'the accepted key to receive jobs', 5000, 0);

  // a request connection made while the key was accepted
  const c = client(pair);
  assert.equal(typeof (await c.request(seal(macKey(pair), 'manifest', 'revokee', {})))?.hash, 'string');

  await f.master.core.changeKeys('rejected', 'revokee', false, false);
  const seenBefore = got.length;
  // the real agent comes back on the rebound publish socket...
  await waitFor(async () => (await f.runJob({ fun: 'ping', args: {}, tgt: 'A', tgt_type: 'glob', timeout: 1 })).returns.has('A'),
    'agent A to receive jobs again', 8000, 0);
  const later = await f.runJob({ fun: 'ping', args: {}, tgt: '*', tgt_type: 'glob', timeout: 2 });
  assert.ok(later.returns.has('A') && later.returns.has('B'));
  await sleep(200);
  // ...the revoked key does not
  assert.deepEqual(got.slice(seenBefore), [], 'a revoked key saw jobs published after its revocation');

  // and its MACed requests on the connection it already had are dropped
  const from = f.events.length;
  assert.equal(await c.request(seal(macKey(pair), 'manifest', 'revokee', {}), 300), undefined);
  assert.equal((await dropped(from, 'revoked key request')).data.reason, 'unknown-agent');
  // a new connection with the revoked key is refused at the handshake
  const fresh = client(pair);
  await waitFor(() => fresh.socketEvents.includes('handshake:error:auth'), 'ZAP to refuse the revoked key', 3000);
});
