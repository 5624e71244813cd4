import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { MalformedReply } from '../../agent/channel.js';
import type { UmecEvent } from '../../lib/messages.js';
import { WIRE_OPS, isWireType, type WireType } from '../../lib/wire-ops.js';
import { startMaster, waitFor } from '../helpers/fleet.js';

/**
 * Random bodies for every agent → master message type (issue 15), sent by a
 * real accepted agent over its CURVE channel to a real master: valid bodies
 * with a field of the wrong type, removed or added, random JSON, bodies nested
 * thousands deep or with big strings, and random type names. Each one is
 * answered with a reply valid against its type's reply schema, or dropped (a
 * `umec/auth/dropped` event); the master keeps serving the agent afterwards.
 * UMEC_FUZZ_RUNS=1000 runs more cases than the default 150.
 */

/** The channel's request without its types: the fuzz sends what a typed agent cannot. */
type Raw = (type: string, body: unknown, timeoutSec?: number) => Promise<{ body: Record<string, unknown>; data?: Buffer }>;

const RUNS = Number(process.env.UMEC_FUZZ_RUNS ?? 150);
const JID = '20260101000000000001';
const RETURN = { jid: JID, fun: 'ping', ret: true, retcode: 0, success: true };

/** A valid body of each type (key_request's pubkey is filled in with the agent's own key). */
const VALID: Record<WireType, Record<string, unknown>> = {
  key_request: { pubkey: '', grains: { os: 'Debian' } },
  hello: { grains: { os: 'Debian' }, start: false },
  return: RETURN,
  manifest: { have: 'x' },
  file: { hash: 'x', offset: 0, length: 10 },
  app: { name: 'cam', version: '1.0' },
  pillar: {},
  local_job: { ...RETURN, kind: 'schedule', name: 'hourly', args: {}, startedAt: '2026-01-01T00:00:00Z', attempt: 1 },
  event: { kind: 'cache/corrupt', data: { path: '/x', expected: 'a', actual: 'b' } },
  stop: {},
};

/**
 * A value nested `depth` levels deep, built without recursion (fast-check prints the recipe, not the value).
 * Deeper than a few thousand, the agent's own JSON.stringify runs out of stack before sending.
 */
interface Deep { deep: number; kind: 'array' | 'object' }
function nested({ deep, kind }: Deep): unknown {
  let v: unknown = 0;
  for (let i = 0; i < deep; i++) v = kind === 'array' ? [v] : { k: v };
  return v;
}
const deepRecipe = fc.record({ deep: fc.integer({ min: 20, max: 2_000 }), kind: fc.constantFrom('array' as const, 'object' as const) });
/** The body to send: a placed Deep recipe becomes its nested value. */
const isDeep = (v: unknown): v is Deep => typeof v === 'object' && v !== null && typeof (v as Deep).deep === 'number' && 'kind' in v && Object.keys(v).length === 2;
const realize = (body: unknown): unknown => (body && typeof body === 'object' && !Array.isArray(body)
  ? Object.fromEntries(Object.entries(body).map(([k, v]) => [k, isDeep(v) ? nested(v) : v]))
  : body);

/** A valid body with one field replaced by a random JSON value, one removed, or one added. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const field = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'data', 'grains'));
  const arbs: Array<fc.Arbitrary<unknown>> = [
    fc.record({ k: field, v: fc.jsonValue({ maxDepth: 3 }) }).map(({ k, v }) => ({ ...valid, [k]: v })),
  ];
  if (keys.length) {
    arbs.push(
      fc.record({ k: fc.constantFrom(...keys), v: fc.jsonValue({ maxDepth: 3 }) }).map(({ k, v }) => ({ ...valid, [k]: v })),
      fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(valid).filter(([x]) => x !== k))),
      fc.record({ k: fc.constantFrom(...keys), n: fc.integer({ min: 1, max: 200_000 }) }).map(({ k, n }) => ({ ...valid, [k]: 'x'.repeat(n) })),
      fc.record({ k: fc.constantFrom(...keys), d: deepRecipe }).map(({ k, d }) => ({ ...valid, [k]: d })),
    );
  }
  return fc.oneof(...arbs);
}

function bodies(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constant(valid), weight: 1 },
    { arbitrary: mutated(valid), weight: 6 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 2 },
    { arbitrary: deepRecipe.map((d) => ({ ...valid, deep: d })), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max: 1_000_000 }).map((n) => ({ ...valid, pad: 'x'.repeat(n) })), weight: 1 },
  );
}

test('every fuzzed agent message is answered in its reply schema or dropped, and the agent keeps being served', { timeout: 120_000 }, async () => {
  const f = await startMaster({ states: { 'top.sls': "base:\n  '*': []\n", 'a.sls': 'a: {}\n' } });
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const raw = f.agents.get('box1')!.channel.request as unknown as Raw;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const replyValid = Object.fromEntries(Object.entries(WIRE_OPS).map(([t, op]) => [t, ajv.compile(op.reply)]));
    const valid = { ...VALID, key_request: { ...VALID.key_request, pubkey: f.master.core.keys.get('box1')!.key } };

    const types = Object.keys(WIRE_OPS) as WireType[];
    const typeName = fc.oneof(
      { arbitrary: fc.constantFrom(...types), weight: 8 },
      { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
      { arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'toString', 'HELLO', 'return ', ''), weight: 1 },
    );
    const arb = typeName.chain((type) => bodies(isWireType(type) ? valid[type] : VALID.hello).map((body) => ({ type, body })));

    let answered = 0;
    let dropped = 0;
    await fc.assert(fc.asyncProperty(arb, async ({ type, body: recipe }) => {
      const body = realize(recipe);
      const where = `${type} ${JSON.stringify(recipe).slice(0, 160)}`;
      const from = f.events.length;
      const droppedEvent = () => f.since(from).find((e) => e.tag === 'umec/auth/dropped');
      // one message at a time, so a dropped event after `from` is this message's
      let settled = false;
      const reply = raw(type, body, 5).then((r) => ({ r }), (e: unknown) => ({ e })).finally(() => { settled = true; });
      // the poll ends with the reply too, so no timer outlives its case
      type Outcome = Awaited<typeof reply> | { d: UmecEvent };
      const drop = waitFor(() => droppedEvent() ?? (settled ? 'answered' : undefined), `an answer or a drop of ${where}`, 5_000, 5)
        .then((d): Outcome | Promise<Outcome> => (d === 'answered' ? reply : { d }));
      const outcome: Outcome = await Promise.race([reply, drop]);
      if ('r' in outcome) {
        assert.ok(isWireType(type), `an unknown type is answered: ${where}`);
        const check = replyValid[type];
        assert.ok(check(outcome.r.body), `${where} → reply ${JSON.stringify(outcome.r.body).slice(0, 200)}: ${ajv.errorsText(check.errors)}`);
        answered++;
      } else if ('e' in outcome) {
        assert.ok(!(outcome.e instanceof MalformedReply), `${where} → ${String(outcome.e)}`);
        throw outcome.e as Error;
      } else {
        const reason = outcome.d.data.reason as string;
        // a key_request naming another key fails its MAC: forged; every other bad message is malformed
        assert.ok(reason === 'malformed' || (type === 'key_request' && reason === 'forged'), `${where} dropped as ${reason}: ${String(outcome.d.data.detail)}`);
        dropped++;
      }
    }), { numRuns: RUNS }).catch((e: Error) => { throw new Error(`${e.message}\n${String(e.cause)}`); });
    assert.ok(answered > 0 && dropped > 0, `both answers (${answered}) and drops (${dropped}) were seen`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

    // the accepted agent loses nothing: a ping job is answered and its return stored
    const job = await f.runJob({ fun: 'ping', args: {}, tgt: 'box1', tgt_type: 'list', timeout: 5 });
    assert.deepEqual([...job.returns.keys()], ['box1']);
    const stored = await f.master.core.store.getJob(job.jid);
    assert.deepEqual(stored?.returns.map((x) => x.id), ['box1']);
    assert.equal(stored?.returns[0].ret, true);
  } finally {
    await f.stopAll();
  }
});
