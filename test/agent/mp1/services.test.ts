import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertConformance, assertSchema, CallbackServer, etsiPayload, Mp1Harness } from '../../helpers/mp1.js';

const S = '/mec_service_mgmt/v1';

function service(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serName: name, version: '1.0', state: 'ACTIVE', serializer: 'JSON',
    transportInfo: {
      id: 'rest-1', name: 'REST', type: 'REST_HTTP', protocol: 'HTTP', version: '1.1',
      endpoint: { uris: [`http://127.0.0.1:9/${name}`] }, security: {},
    },
    ...extra,
  };
}

describe('Mp1 service management (mec_service_mgmt/v1)', () => {
  let h: Mp1Harness;
  let cb: CallbackServer;
  let tA: string;
  let tB: string;

  before(async () => {
    h = await Mp1Harness.start();
    cb = await CallbackServer.start();
    [tA, tB] = await Promise.all([h.token('app-a'), h.token('app-b')]);
  });
  after(async () => { await cb.close(); await h.cleanup(); });

  it('registers a service (ETSI SRV/APPSAQ payload) and answers 201 with Location, ETag and a conformant ServiceInfo', async () => {
    const r = await h.call(tA, 'POST', `${S}/applications/app-a/services`, etsiPayload('APPSAQ/jsons/ServiceInfo.json'));
    assert.equal(r.status, 201);
    assert.match(r.headers.get('location')!, new RegExp(`${S}/applications/app-a/services/${r.body.serInstanceId}$`));
    assert.equal(r.headers.get('etag'), '"1"');
    assert.notEqual(r.body.serInstanceId, 'cillum nostrud minim consectetur proident', 'serInstanceId is assigned by the platform');
    assertConformance('APPSAQ/ServiceInfo', r.body);
    const g = await h.call(tA, 'GET', `${S}/services/${r.body.serInstanceId}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, r.body);
    assertConformance('SAQ/ServiceInfo', g.body);
  });

  it('rejects bad ServiceInfo with a 400 ProblemDetails naming the field (ETSI error payload, transportId unknown, bad JSON)', async () => {
    const bad = await h.call(tA, 'POST', `${S}/applications/app-a/services`, etsiPayload('APPSAQ/jsons/ServiceInfoError.json'));
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /serName/);
    const tid = await h.call(tA, 'POST', `${S}/applications/app-a/services`, { serName: 'x', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'nope' });
    assert.equal(tid.status, 400);
    assert.match(tid.body.detail, /transportId "nope"/);
    const json = await h.call(tA, 'POST', `${S}/applications/app-a/services`, '{"serName": ');
    assert.equal(json.status, 400);
  });

  it('registers with a platform transportId; its transport and the service point at the token endpoint', async () => {
    const tr = await h.call(tA, 'GET', `${S}/transports`);
    assert.equal(tr.status, 200);
    assertConformance('TRANS/TransportInfoList', tr.body);
    assert.equal(tr.body[0].security.oAuth2Info.tokenEndpoint, `${h.base}/oauth/token`);
    const r = await h.call(tA, 'POST', `${S}/applications/app-a/services`, { serName: 'via-transport', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: tr.body[0].id });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body.transportInfo, tr.body[0]);
    assert.equal(r.body.transportId, undefined);
    const own = await h.call(tA, 'POST', `${S}/applications/app-a/services`, service('own-transport'));
    assert.equal(own.body.transportInfo.security.oAuth2Info.tokenEndpoint, `${h.base}/oauth/token`);
    assert.deepEqual(own.body.transportInfo.security.oAuth2Info.grantTypes, ['OAUTH2_CLIENT_CREDENTIALS']);
  });

  it('discovers services by each filter of MEC 011 (and rejects combined or bad filters)', async () => {
    const cat = { href: 'http://127.0.0.1/cat/rni', id: 'rni', name: 'RNI', version: '2' };
    const mk = async (t: string, app: string, b: Record<string, unknown>) => (await h.call(t, 'POST', `${S}/applications/${app}/services`, b)).body.serInstanceId as string;
    const rni = await mk(tB, 'app-b', service('rnis', { serCategory: cat, scopeOfLocality: 'NFVI_NODE', consumedLocalOnly: false, isLocal: false }));
    const loc = await mk(tB, 'app-b', service('location'));
    const q = async (qs: string) => {
      const r = await h.call(tA, 'GET', `${S}/services?${qs}`);
      assert.equal(r.status, 200, qs);
      assertConformance('SAQ/ServiceInfoList', r.body);
      return (r.body as Array<{ serInstanceId: string }>).map((s) => s.serInstanceId).sort();
    };
    assert.deepEqual(await q('ser_name=rnis'), [rni]);
    assert.deepEqual(await q('ser_name=rnis,location'), [rni, loc].sort());
    assert.deepEqual(await q('ser_name=rnis&ser_name=location'), [rni, loc].sort());
    assert.deepEqual(await q(`ser_instance_id=${loc}`), [loc]);
    assert.deepEqual(await q('ser_category_id=rni'), [rni]);
    assert.deepEqual(await q('scope_of_locality=NFVI_NODE'), [rni]);
    const only = (xs: string[], yes: string, no: string) => assert.ok(xs.includes(yes) && !xs.includes(no), `${yes} in, ${no} out: ${xs.join()}`);
    only(await q('scope_of_locality=MEC_HOST'), loc, rni);
    only(await q('consumed_local_only=false'), rni, loc);
    only(await q('consumed_local_only=true'), loc, rni);
    only(await q('is_local=false'), rni, loc);
    only(await q('is_local=true'), loc, rni);
    assert.deepEqual(await q('ser_name=nothing-like-this'), []);
    // the app-scoped list shows only that app's services
    const mine = await h.call(tA, 'GET', `${S}/applications/app-b/services?ser_name=rnis,location`);
    assert.deepEqual(mine.body.map((s: { serInstanceId: string }) => s.serInstanceId).sort(), [rni, loc].sort());
    assertConformance('APPSAQ/ServiceInfoList', mine.body);
    for (const bad of ['ser_name=a&ser_category_id=b', 'is_local=maybe', 'scope_of_locality=MARS']) {
      const r = await h.call(tA, 'GET', `${S}/services?${bad}`);
      assert.equal(r.status, 400, bad);
    }
    assert.equal((await h.call(tA, 'GET', `${S}/services/no-such-id`)).status, 404);
    assert.equal((await h.call(tA, 'GET', `${S}/applications/no-such-app/services`)).status, 404);
  });

  it('updates a service with If-Match: 200 and a new ETag, 412 on a stale ETag, 400 on a changed serInstanceId', async () => {
    const r = await h.call(tA, 'POST', `${S}/applications/app-a/services`, service('upd'));
    const id = r.body.serInstanceId as string;
    const url = `${S}/applications/app-a/services/${id}`;
    const got = await h.call(tA, 'GET', url);
    assert.equal(got.headers.get('etag'), '"1"');
    const next = { ...got.body, version: '2.0' };
    const u = await h.call(tA, 'PUT', url, next, { 'if-match': '"1"' });
    assert.equal(u.status, 200);
    assert.equal(u.body.version, '2.0');
    assert.equal(u.headers.get('etag'), '"2"');
    assertConformance('APPSAQ/ServiceInfo', u.body);
    const stale = await h.call(tA, 'PUT', url, { ...next, version: '3.0' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal((await h.call(tA, 'GET', url)).body.version, '2.0', 'a refused update changes nothing');
    const renamed = await h.call(tA, 'PUT', url, { ...next, serName: 'upd-renamed' });
    assert.equal(renamed.status, 200);
    assert.deepEqual((await h.call(tA, 'GET', `${S}/services?ser_name=upd`)).body, [], 'the old name finds nothing');
    assert.equal((await h.call(tA, 'GET', `${S}/services?ser_name=upd-renamed`)).body[0].serInstanceId, id);
    const idc = await h.call(tA, 'PUT', url, { ...next, serInstanceId: 'other' });
    assert.equal(idc.status, 400);
    const schema = await h.call(tA, 'PUT', url, etsiPayload('APPSAQ/jsons/ServiceInfoUpdatedError.json'));
    assert.equal(schema.status, 400);
    assert.match(schema.body.detail, /version/);
  });

  it('deletes a service: 204, then 404', async () => {
    const id = (await h.call(tA, 'POST', `${S}/applications/app-a/services`, service('del'))).body.serInstanceId as string;
    assert.equal((await h.call(tA, 'DELETE', `${S}/applications/app-a/services/${id}`)).status, 204);
    assert.equal((await h.call(tA, 'GET', `${S}/services/${id}`)).status, 404);
    assert.deepEqual((await h.call(tA, 'GET', `${S}/services?ser_name=del`)).body, []);
    assert.equal((await h.call(tA, 'DELETE', `${S}/applications/app-a/services/${id}`)).status, 404);
  });

  it('notifies availability subscribers on add, state change, attribute change and removal, filtered by name', async () => {
    const body = { ...etsiPayload('SRVSUB/jsons/SerAvailabilityNotificationSubscription.json'), callbackReference: `${cb.url}/avail`, filteringCriteria: { serNames: ['watched'] } };
    const s = await h.call(tA, 'POST', `${S}/applications/app-a/subscriptions`, body);
    assert.equal(s.status, 201);
    assertConformance('SRVSUB/SerAvailabilityNotificationSubscription', s.body);
    assert.equal(s.headers.get('location'), s.body._links.self.href);
    const subPath = new URL(s.body._links.self.href).pathname;
    const list = await h.call(tA, 'GET', `${S}/applications/app-a/subscriptions`);
    assertConformance('SRVSUB/SubscriptionLinkList', list.body);
    assert.ok(list.body._links.subscriptions.some((x: { href: string }) => x.href === s.body._links.self.href));
    assert.deepEqual((await h.call(tA, 'GET', subPath)).body, s.body);

    const before = cb.received.length;
    await h.call(tB, 'POST', `${S}/applications/app-b/services`, service('ignored'));
    const w = await h.call(tB, 'POST', `${S}/applications/app-b/services`, service('watched'));
    const url = `${S}/applications/app-b/services/${w.body.serInstanceId}`;
    await h.call(tB, 'PUT', url, { ...w.body, state: 'INACTIVE' });
    await h.call(tB, 'PUT', url, { ...w.body, state: 'INACTIVE', version: '9' });
    await h.call(tB, 'DELETE', url);
    await cb.waitFor(before + 4);
    const got = cb.received.slice(before).map((n) => n.body);
    for (const n of got) {
      assertSchema('mec_service_mgmt', 'ServiceAvailabilityNotification', n);
      assert.equal(n.notificationType, 'SerAvailabilityNotification');
      assert.equal(n._links.subscription.href, s.body._links.self.href);
      assert.equal(n.serviceReferences[0].serName, 'watched');
    }
    assert.deepEqual(got.map((n) => n.serviceReferences[0].changeType).sort(), ['ADDED', 'ATTRIBUTES_CHANGED', 'REMOVED', 'STATE_CHANGED']);

    assert.equal((await h.call(tA, 'DELETE', subPath)).status, 204);
    assert.equal((await h.call(tA, 'GET', subPath)).status, 404);
    const bad = await h.call(tA, 'POST', `${S}/applications/app-a/subscriptions`, etsiPayload('SRVSUB/jsons/SerAvailabilityNotificationSubscriptionError.json'));
    assert.equal(bad.status, 400);
    const scheme = await h.call(tA, 'POST', `${S}/applications/app-a/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: 'file:///etc/passwd' });
    assert.equal(scheme.status, 400);
  });

  it('requires a valid token: 401 without one, with garbage, or expired; an unknown client gets no token', async () => {
    const none = await h.call(undefined, 'GET', `${S}/services`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate')!, /^Bearer/);
    assert.equal((await h.call('not.a.jwt', 'GET', `${S}/services`)).status, 401);
    const forged = `${tA.slice(0, -4)}AAAA`;
    assert.equal((await h.call(forged, 'GET', `${S}/services`)).status, 401);
    const r = await fetch(`${h.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=x&client_secret=y' });
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: string }).error, 'invalid_client');
    const g = await fetch(`${h.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    assert.equal(g.status, 400);
  });

  it('accepts HTTP Basic client authentication at the token endpoint', async () => {
    const id = await h.server.ensure('app-basic');
    const r = await fetch(`${h.base}/oauth/token`, {
      method: 'POST', body: 'grant_type=client_credentials',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id.clientId}:${id.clientSecret}`).toString('base64')}` },
    });
    assert.equal(r.status, 200);
    const b = (await r.json()) as { access_token: string; token_type: string; expires_in: number };
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.expires_in, 300);
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  it("forbids changing another app's services and subscriptions (403), and leaves them intact", async () => {
    const id = (await h.call(tB, 'POST', `${S}/applications/app-b/services`, service('b-owned'))).body.serInstanceId as string;
    const url = `${S}/applications/app-b/services/${id}`;
    assert.equal((await h.call(tA, 'POST', `${S}/applications/app-b/services`, service('sneaky'))).status, 403);
    assert.equal((await h.call(tA, 'PUT', url, service('b-owned', { state: 'INACTIVE' }))).status, 403);
    assert.equal((await h.call(tA, 'DELETE', url)).status, 403);
    assert.equal((await h.call(tA, 'GET', `${S}/applications/app-b/subscriptions`)).status, 403);
    assert.equal((await h.call(tA, 'POST', `${S}/applications/app-b/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: cb.url })).status, 403);
    // app-a addressing its own path cannot reach app-b's service either
    assert.equal((await h.call(tA, 'DELETE', `${S}/applications/app-a/services/${id}`)).status, 404);
    assert.equal((await h.call(tB, 'GET', url)).body.state, 'ACTIVE');
  });
});

describe('Mp1 ids', () => {
  it('takes appInstanceIds of up to 128 characters in paths, and refuses unsafe ones', async () => {
    const h = await Mp1Harness.start();
    try {
      const long = `app-${'x'.repeat(124)}`;
      const t = await h.token(long);
      const r = await h.call(t, 'POST', `${S}/applications/${long}/services`, service('long'));
      assert.equal(r.status, 201);
      assert.equal((await h.call(t, 'GET', `${S}/applications/${long}/services/${r.body.serInstanceId}`)).status, 200);
      for (const bad of ['../x', '', 'a/b', `a${'x'.repeat(128)}`]) await assert.rejects(h.server.ensure(bad), /bad appInstanceId/);
    } finally { await h.cleanup(); }
  });
});

describe('Mp1 token expiry', () => {
  it('refuses a token past its expiry with 401 invalid_token', async () => {
    let now = Date.now();
    const h = await Mp1Harness.start({ now: () => now, config: { token_ttl: 60 } });
    try {
      const t = await h.token('app-x');
      assert.equal((await h.call(t, 'GET', `${S}/services`)).status, 200);
      now += 61_000;
      const r = await h.call(t, 'GET', `${S}/services`);
      assert.equal(r.status, 401);
      assert.match(r.body.detail, /expired/);
      assert.match(r.headers.get('www-authenticate')!, /invalid_token/);
    } finally { await h.cleanup(); }
  });

  it('answers 429 with Retry-After when an app exceeds its request rate', async () => {
    const h = await Mp1Harness.start({ config: { rate_limit: 2 } });
    try {
      const t = await h.token('app-y');
      const codes = [];
      for (let i = 0; i < 8; i++) codes.push((await h.call(t, 'GET', `${S}/transports`)).status);
      assert.ok(codes.includes(429), String(codes));
      assert.ok(codes.slice(0, 4).every((c) => c === 200), String(codes));
    } finally { await h.cleanup(); }
  });
});
