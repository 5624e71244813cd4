/**
 * ETSI GS MEC 032-2 test purposes for MEC 011 v2.1.1 that concern the path and the query: an app
 * instance that does not exist is 404 on every app-scoped resource, another app's is 403, and an
 * unknown query parameter on a list is 400 ProblemDetails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertSchema, Mp1Harness } from '../../helpers/mp1.js';

const S = '/mec_service_mgmt/v1';
const A = '/mec_app_support/v1';

describe('Mp1 app instances in paths and query parameters (GS MEC 032-2)', () => {
  let h: Mp1Harness;
  let tA: string;

  before(async () => {
    h = await Mp1Harness.start();
    tA = await h.token('app-a');
    await h.token('app-b');
  });
  after(async () => { await h.cleanup(); });

  const scoped = (app: string): Array<[string, string, unknown?]> => [
    ['GET', `${S}/applications/${app}/services`],
    ['GET', `${S}/applications/${app}/subscriptions`],
    ['GET', `${A}/applications/${app}/subscriptions`],
    ['GET', `${A}/applications/${app}/traffic_rules`],
    ['GET', `${A}/applications/${app}/dns_rules`],
    ['POST', `${A}/applications/${app}/confirm_ready`, { indication: 'READY' }],
    ['POST', `${A}/applications/${app}/confirm_termination`, { operationAction: 'TERMINATING' }],
  ];

  it('an app instance that does not exist is 404 on every app-scoped resource', async () => {
    for (const [method, path, body] of scoped('no-such-app')) {
      const r = await h.call(tA, method, path, body);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.status, 404);
      assert.match(r.body.detail, /app instance no-such-app does not exist/);
    }
  });

  it('another app instance that exists is 403 (its service list stays readable: services are discoverable by every app)', async () => {
    assert.equal((await h.call(tA, 'GET', `${S}/applications/app-b/services`)).status, 200);
    for (const [method, path, body] of scoped('app-b').slice(1)) {
      const r = await h.call(tA, method, path, body);
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
  });

  it('an unknown query parameter on a list is 400 ProblemDetails; the defined filters still work', async () => {
    for (const path of [`${S}/services?instance_id=x`, `${S}/applications/app-a/services?instance_id=x`, `${A}/applications/app-a/traffic_rules?state=ACTIVE`]) {
      const r = await h.call(tA, 'GET', path);
      assert.equal(r.status, 400, path);
      assert.match(r.body.detail, /unknown query parameter (instance_id|state)/);
      assertSchema(path.startsWith(S) ? 'mec_service_mgmt' : 'mec_app_support', 'ProblemDetails', r.body);
    }
    const ok = await h.call(tA, 'GET', `${S}/services?ser_name=nothing-by-this-name`);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, []);
  });
});
