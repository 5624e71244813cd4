import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { curveKeyPair, Publisher, Router } from 'zeromq';
import { MalformedReply, MasterChannel, RequestTimeout } from '../../agent/channel.js';
import { agentConfigSchema, type AgentConfig } from '../../agent/config.js';
import { validateConfig } from '../../lib/config.js';
import { MasterLink } from '../../agent/master-link.js';
import { createLogger } from '../../lib/log.js';
import type { JobMessage } from '../../lib/messages.js';
import { WIRE_OPS, type WireType } from '../../lib/wire-ops.js';
import { freePort, sleep, waitFor } from '../helpers/fleet.js';

/** A logger whose lines the test reads. */
function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb(); } });
  return { log: createLogger({ name: 'agent', stream }), lines };
}

/** A stand-in master on real CURVE sockets: answers each request with what `answer` says, publishes what the test sends. */
class FakeMaster {
  readonly pair = curveKeyPair();
  readonly router = new Router({ curveServer: true, curveSecretKey: this.pair.secretKey, linger: 0 });
  readonly pub = new Publisher({ curveServer: true, curveSecretKey: this.pair.secretKey, linger: 0 });
  answer: (type: string, body: unknown) => unknown = () => ({});
  retPort = 0;
  pubPort = 0;

  async start(): Promise<void> {
    this.retPort = await freePort();
    this.pubPort = await freePort();
    await this.router.bind(`tcp://127.0.0.1:${this.retPort}`);
    await this.pub.bind(`tcp://127.0.0.1:${this.pubPort}`);
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      for await (const [peer, head, body] of this.router) {
        const h = JSON.parse(head.toString()) as { type: string; nonce: string };
        const reply = this.answer(h.type, JSON.parse(body.toString()));
        // a reply that is not an object is sent as it is (no `re`: it answers nothing)
        const frame = reply && typeof reply === 'object' && !Array.isArray(reply) ? { re: h.nonce, ...reply } : reply;
        await this.router.send([peer, JSON.stringify(frame), 'file bytes']);
      }
    } catch { /* closed */ }
  }

  close(): void {
    this.router.close();
    this.pub.close();
  }
}

const APP_INDEX = { name: 'cam', version: '1.0', digest: 'sha256:x', onboarded: '2026-01-01T00:00:00Z', containers: [], files: {}, images: {} };

/** Each message type: a body the agent sends, replies the master may give, and bad replies with what the agent must say about them. */
const CASES: Record<WireType, { send: unknown; good: unknown[]; bad: Array<[unknown, RegExp]> }> = {
  key_request: {
    send: { pubkey: 'x'.repeat(40) },
    good: [{ status: 'accepted', grains: { role: 'cam' } }, { status: 'pending', reason: 'token expired' }],
    bad: [[{ status: 'maybe' }, /key_request\.status must be one of pending, accepted, rejected, conflict/], [{}, /key_request\.status is required/], [{ status: 'accepted', grains: { role: 1 } }, /key_request\.grains\.role must be string/]],
  },
  hello: {
    send: { start: true },
    good: [{ publish_port: 4505 }],
    bad: [[{ publish_port: '4505' }, /hello\.publish_port must be integer/], [{ publish_port: 70_000 }, /hello\.publish_port must be <= 65535/], [{}, /hello\.publish_port is required/]],
  },
  return: { send: { jid: '20260101000000000001', fun: 'ping', ret: true, retcode: 0, success: true }, good: [{ ok: true }], bad: [[{ ok: 'yes' }, /return\.ok must be boolean/]] },
  manifest: {
    send: {},
    good: [{ hash: 'h', unchanged: true }, { hash: 'h', files: { 'top.sls': 'abc' } }],
    bad: [[{ hash: 'h', files: { 'top.sls': 5 } }, /manifest\.files\.top\.sls must be string/], [{ files: {} }, /manifest\.hash is required/]],
  },
  file: { send: { hash: 'abc' }, good: [{ ok: true }, { ok: false, error: 'no such file' }], bad: [[{ ok: true, size: -0.5 }, /file\.size must be integer/], [{ ok: false }, /file\.error is required/]] },
  app: {
    send: { name: 'cam' },
    good: [{ ok: true, index: APP_INDEX, app_yaml: 'name: cam\n' }, { ok: false, error: 'no such app' }],
    bad: [[{ ok: true, index: { ...APP_INDEX, version: 1 }, app_yaml: '' }, /app\.index\.version must be string/]],
  },
  pillar: { send: {}, good: [{ pillar: { a: 1 }, errors: [] }], bad: [[{ pillar: [], errors: [] }, /pillar\.pillar must be object/], [{ pillar: {}, errors: [3] }, /pillar\.errors\.0 must be string/]] },
  local_job: {
    send: { kind: 'schedule', name: 'hourly', jid: '20260101000000000002', fun: 'ping', args: {}, startedAt: '2026-01-01T00:00:00Z', ret: true, retcode: 0, success: true },
    good: [{ ok: true }, { ok: false, error: 'this master keeps no job cache' }],
    bad: [[{ ok: true, stored: true }, /local_job\.stored is not a known field/]],
  },
  event: {
    send: { kind: 'cache/corrupt', data: { path: '/x', expected: 'a', actual: 'b' } },
    good: [{ ok: true }], bad: [[{ ok: false }, /event\.ok must be equal to constant/]],
  },
  stop: { send: {}, good: [{ ok: true }], bad: [[{ ok: false }, /stop\.ok must be equal to constant/]] },
};

test('every reply of the master is checked against its schema: a good one resolves, a bad one is refused naming the field', { timeout: 60_000 }, async () => {
  const m = new FakeMaster();
  await m.start();
  const agent = curveKeyPair();
  const { log, lines } = capturedLog();
  const ch = new MasterChannel({
    endpoint: `tcp://127.0.0.1:${m.retPort}`, masterKey: m.pair.publicKey, publicKey: agent.publicKey, secretKey: agent.secretKey,
    macKey: Buffer.alloc(32), id: 'box1', reconnectMaxMs: 1000, log,
  });
  // the channel's request without its types: the table drives every message type through one call
  const request = ch.request as unknown as (type: string, body: unknown, timeoutSec?: number) => Promise<{ body: unknown; data?: Buffer }>;
  try {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(WIRE_OPS).sort(), 'every message type has its cases');
    for (const [type, c] of Object.entries(CASES)) {
      for (const reply of c.good) {
        m.answer = () => reply;
        const r = await request(type, c.send, 5);
        assert.deepEqual(r.body, reply, `${type}: a good reply comes back as it is`);
        assert.equal(r.data?.toString(), 'file bytes');
      }
      for (const [reply, says] of c.bad) {
        m.answer = () => reply;
        const from = lines.length;
        await assert.rejects(request(type, c.send, 5), (e: Error) => e instanceof MalformedReply && says.test(e.message), `${type}: ${JSON.stringify(reply)}`);
        assert.ok(lines.slice(from).some((l) => says.test(l)), `${type}: the refused reply is logged naming the field`);
      }
    }
    // replies that are not objects answer nothing: logged, the request times out, the channel lives on
    for (const reply of [[1, 2], 'text', null]) {
      m.answer = () => reply;
      const from = lines.length;
      await assert.rejects(request('stop', {}, 0.3), RequestTimeout);
      assert.ok(lines.slice(from).some((l) => /not an object dropped/.test(l)), JSON.stringify(reply));
    }
    m.answer = () => ({ ok: true });
    assert.deepEqual((await ch.request('stop', {}, 5)).body, { ok: true }, 'the channel still works');
  } finally {
    ch.close();
    m.close();
  }
});

test('a job publication is checked against its schema: a bad one is logged naming the field and dropped, the agent runs on', { timeout: 60_000 }, async () => {
  const m = new FakeMaster();
  await m.start();
  const dir = await mkdtemp(join(tmpdir(), 'umec-wire-'));
  const { log, lines } = capturedLog();
  // every default filled in by the schema, as loadAgentConfig gives it
  const config = validateConfig<AgentConfig>({
    id: 'box1', master: [`127.0.0.1:${m.retPort}`], master_pubkey: m.pair.publicKey, data_dir: dir,
    acceptance_wait_time: 0.1, reconnect_max: 1, request_timeout: 2,
  }, agentConfigSchema, 'agent.yaml');
  let helloes = 0;
  m.answer = (type) => {
    if (type === 'key_request') return { status: 'accepted' };
    // the first hello answer is malformed: the link asks again instead of following a bad port
    if (type === 'hello') return helloes++ === 0 ? { publish_port: String(m.pubPort) } : { publish_port: m.pubPort };
    return { ok: true };
  };
  const jobs: JobMessage[] = [];
  const link = new MasterLink(config, log, () => ({ os: 'Debian' }), (j) => jobs.push(j));
  const good = { jid: '20260101000000000009', fun: 'ping', args: {}, targets: ['box1'] };
  const bad: Array<[unknown, RegExp]> = [
    [{ ...good, jid: 'x' }, /job\.jid must be a job id/],
    [{ ...good, fun: 'rm' }, /job\.fun must be one of ping, apply, run, grains/],
    [{ ...good, targets: 'box1' }, /job\.targets must be \\"\*\\" or a list of agent ids \(got \\"box1\\"\)/],
    [{ ...good, args: { cmd: [] } }, /job\.args\.cmd must be a command/],
    [{ jid: good.jid, fun: 'ping', targets: '*' }, /job\.args is required/],
  ];
  try {
    await link.start();
    await link.join();
    assert.ok(lines.some((l) => /malformed reply from the master to hello: hello\.publish_port must be integer/.test(l)), 'the bad hello is logged');
    // a subscriber joins a moment after connecting: publish until the good job arrives
    await waitFor(async () => {
      for (const [job] of bad) await m.pub.send(['job', JSON.stringify(job)]);
      await m.pub.send(['job', 'not json']);
      await m.pub.send(['job', JSON.stringify({ ...good, targets: ['other-box'] })]);
      await m.pub.send(['job', JSON.stringify(good)]);
      await sleep(50);
      return jobs.length > 0;
    }, 'the good job', 10_000, 1);
    assert.ok(jobs.every((j) => j.jid === good.jid && Array.isArray(j.targets) && j.targets.includes('box1')), 'only the good job runs');
    for (const [, says] of bad) assert.ok(lines.some((l) => /malformed job message dropped/.test(l) && says.test(l)), String(says));
    assert.ok(lines.some((l) => /unreadable job message dropped/.test(l)));
    assert.ok(!lines.some((l) => /targets must be array/.test(l)), 'the anyOf speaks for its branches');
  } finally {
    await link.stop();
    m.close();
    await rm(dir, { recursive: true, force: true });
  }
});
