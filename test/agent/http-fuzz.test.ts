import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Mp1Harness } from '../helpers/mp1.js';
import { startTestService, type TestService } from '../helpers/redfish.js';

/**
 * Random request bodies against the running Mp1 and Redfish servers over real
 * HTTP(S) (issue 15): valid bodies with fields of the wrong type, random JSON,
 * bodies nested thousands deep or larger than the limit, and text that is not
 * JSON at all. Every one gets a defined answer (2xx, or 4xx with the standard's
 * error body; never 5xx), and the servers keep serving legitimate requests.
 * UMEC_FUZZ_RUNS=1000 runs more cases than the default 60 per API.
 */

const S = '/mec_service_mgmt/v1';
const A = '/mec_app_support/v1';
const APP = 'fuzz-app';

/** JSON text nested `depth` levels deep, built without recursion. */
const nested = (depth: number, kind: 'array' | 'object') => (kind === 'array'
  ? `${'['.repeat(depth)}0${']'.repeat(depth)}`
  : `${'{"k":'.repeat(depth)}0${'}'.repeat(depth)}`);

/** A valid body with one field replaced by a random JSON value, one removed, or one added. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.record({ k: fc.constantFrom(...keys), v: fc.jsonValue({ maxDepth: 3 }) }).map(({ k, v }) => JSON.stringify({ ...valid, [k]: v })),
    fc.constantFrom(...keys).map((k) => JSON.stringify(Object.fromEntries(Object.entries(valid).filter(([x]) => x !== k)))),
    fc.record({ k: fc.string({ maxLength: 12 }), v: fc.jsonValue({ maxDepth: 3 }) }).map(({ k, v }) => JSON.stringify({ ...valid, [k]: v })),
  );
}

function bodies(valid: Record<string, unknown>, maxBytes: number): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: mutated(valid), weight: 4 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), weight: 2 },
    { arbitrary: fc.record({ d: fc.integer({ min: 20, max: 20_000 }), kind: fc.constantFrom('array' as const, 'object' as const) })
      .map(({ d, kind }) => JSON.stringify(valid).replace(/}$/, `,"deep":${nested(d, kind)}}`)), weight: 2 },
    { arbitrary: fc.integer({ min: maxBytes - 64, max: maxBytes + 4096 }).map((n) => JSON.stringify({ ...valid, pad: 'x'.repeat(n) })), weight: 1 },
    { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
    { arbitrary: fc.constantFrom('', 'null', '[]', '{', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '\u0000', '1e999999'), weight: 1 },
  );
}

const RUNS = Number(process.env.UMEC_FUZZ_RUNS ?? 60);

describe('fuzzing the request bodies of the agent\'s HTTP APIs (issue 15)', () => {
  let h: Mp1Harness;
  let rf: TestService;
  let mp1Token: string;
  let rfToken: string;
  let serviceId: string;

  before(async () => {
    h = await Mp1Harness.start();
    await h.server.ensure(APP, {
      dnsRules: [{ dnsRuleId: 'd1', domainName: 'f.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.1', state: 'ACTIVE' }],
      trafficRules: [{ trafficRuleId: 't1', filterType: 'FLOW', priority: 10, action: 'DROP', state: 'ACTIVE', trafficFilter: [{ dstAddress: ['203.0.113.10'] }] }],
    });
    mp1Token = await h.token(APP);
    serviceId = (await h.call(mp1Token, 'POST', `${S}/applications/${APP}/services`, { serName: 'base', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' })).body.serInstanceId as string;
    rf = await startTestService({ config: { session_limit: 1000, session_limit_per_account: 1000 } });
    rfToken = (await rf.login('admin')).token;
  });
  after(async () => { await h?.cleanup(); await rf?.close(); });

  it('Mp1: every body gets 2xx or 4xx with ProblemDetails, and apps keep being served', async () => {
    const svc = { serName: 'fuzzed', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' };
    const targets: Array<[string, string, Record<string, unknown>]> = [
      ['POST', `${S}/applications/${APP}/services`, svc],
      ['PUT', `${S}/applications/${APP}/services/${serviceId}`, { ...svc, serName: 'base', serInstanceId: serviceId }],
      ['POST', `${S}/applications/${APP}/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: 'http://127.0.0.1:9/cb' }],
      ['POST', `${A}/applications/${APP}/subscriptions`, { subscriptionType: 'AppTerminationNotificationSubscription', callbackReference: 'http://127.0.0.1:9/cb', appInstanceId: APP }],
      ['POST', `${A}/applications/${APP}/confirm_ready`, { indication: 'READY' }],
      ['PUT', `${A}/applications/${APP}/dns_rules/d1`, { dnsRuleId: 'd1', domainName: 'f.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.2', state: 'ACTIVE' }],
      ['PUT', `${A}/applications/${APP}/traffic_rules/t1`, { trafficRuleId: 't1', filterType: 'FLOW', priority: 10, action: 'DROP', state: 'ACTIVE', trafficFilter: [{ dstAddress: ['203.0.113.11'] }] }],
    ];
    const arb = fc.constantFrom(...targets).chain(([method, path, valid]) => bodies(valid, 1 << 20).map((body) => ({ method, path, body })));
    await fc.assert(fc.asyncProperty(arb, async ({ method, path, body }) => {
      const r = await fetch(`${h.base}${path}`, { method, headers: { authorization: `Bearer ${mp1Token}`, 'content-type': 'application/json' }, body });
      const text = await r.text();
      const where = `${method} ${path} ${body.slice(0, 120)} → ${r.status} ${text.slice(0, 200)}`;
      assert.ok(r.status >= 200 && r.status < 500, where);
      if (r.status >= 400) {
        assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8', where);
        const p = JSON.parse(text) as { status: number; detail: string; title: string };
        assert.equal(p.status, r.status, where);
        assert.equal(typeof p.detail, 'string', where);
      }
    }), { numRuns: RUNS });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    // legitimate apps lose nothing: a fresh app registers and discovers
    const t = await h.token('after-fuzz');
    const reg = await h.call(t, 'POST', `${S}/applications/after-fuzz/services`, { serName: 'after', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' });
    assert.equal(reg.status, 201);
    const found = await h.call(t, 'GET', `${S}/services?ser_name=after`);
    assert.equal(found.status, 200);
    assert.equal(found.body.length, 1);
    assert.equal((await h.call(mp1Token, 'GET', `${S}/services`)).status, 200);
  });

  it('Redfish: every body gets 2xx or 4xx with a Redfish error, and users keep being served', async () => {
    const targets: Array<[string, string, Record<string, unknown>]> = [
      ['POST', '/redfish/v1/SessionService/Sessions', { UserName: 'reader', Password: 'reader-pass-1' }],
      ['PATCH', '/redfish/v1/SessionService', { SessionTimeout: 1800 }],
      ['POST', '/redfish/v1/AccountService/Accounts', { UserName: 'fuzzer', Password: 'fuzzer-pass-1', RoleId: 'ReadOnly' }],
      ['PATCH', '/redfish/v1/AccountService/Accounts/3', { RoleId: 'ReadOnly', Enabled: true }],
      ['PATCH', '/redfish/v1/Systems/box1', { AssetTag: 'a', HostName: 'box' }],
      ['POST', '/redfish/v1/Systems/box1/Actions/ComputerSystem.Reset', { ResetType: 'GracefulRestart' }],
    ];
    const arb = fc.constantFrom(...targets).chain(([method, path, valid]) => bodies(valid, 64 * 1024).map((body) => ({ method, path, body })));
    await fc.assert(fc.asyncProperty(arb, async ({ method, path, body }) => {
      const r = await rf.req(method, path, { raw: body, token: rfToken, validate: false });
      const where = `${method} ${path} ${body.slice(0, 120)} → ${r.status} ${r.text.slice(0, 200)}`;
      assert.ok(r.status >= 200 && r.status < 500, where);
      if (r.status >= 400) {
        const e = r.body.error as { code: string; '@Message.ExtendedInfo': unknown[] } | undefined;
        assert.match(String(e?.code), /^Base\.1\.\d+\.\d+\.\w+$/, where);
        assert.ok(Array.isArray(e?.['@Message.ExtendedInfo']), where);
      }
    }), { numRuns: RUNS });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    // legitimate users lose nothing
    const admin = await rf.req('GET', '/redfish/v1/Systems/box1', { token: rfToken });
    assert.equal(admin.status, 200);
    assert.equal((await rf.req('GET', '/redfish/v1/Systems', { auth: 'operator' })).status, 200);
    const s = await rf.login('operator');
    assert.equal((await rf.req('GET', '/redfish/v1/Chassis', { token: s.token })).status, 200);
  });
});
