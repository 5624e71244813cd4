import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CallbackPolicy } from '../../../agent/mp1/callback-policy.js';
import { CallbackServer, Mp1Harness } from '../../helpers/mp1.js';

const S = '/mec_service_mgmt/v1';
const A = '/mec_app_support/v1';
const svc = (serName: string) => ({ serName, version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' });
const sub = (callbackReference: string) => ({ subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference });

describe('Mp1 notification callbacks may not reach the box itself, link-local or metadata addresses', () => {
  it('refuses such callbacks at subscription (names resolved first) with a 400 naming the address; an allowed one works', async () => {
    // a local service an app should not be able to make the agent POST to (the container runtime's TCP port, say)
    const victim = await CallbackServer.start();
    const port = new URL(victim.url).port;
    const h = await Mp1Harness.start({ config: { notify: { max_attempts: 1, backoff_ms: 10, timeout_ms: 1000, allow: [] } } });
    try {
      const t = await h.token('app-x');
      for (const [url, why] of [
        [`${victim.url}/containers/create`, /127\.0\.0\.1, a loopback address/],
        [`http://localhost:${port}/x`, /a loopback address/],
        [`http://[::1]:${port}/x`, /::1, a loopback address/],
        [`http://[::ffff:127.0.0.1]:${port}/x`, /loopback/],
        [`http://2130706433:${port}/x`, /127\.0\.0\.1, a loopback/],
        [`http://0.0.0.0:${port}/x`, /"this network"/],
        ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a cloud metadata address/],
        ['http://[fe80::1]:8080/x', /link-local/],
      ] as const) {
        const r = await h.call(t, 'POST', `${S}/applications/app-x/subscriptions`, sub(url));
        assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.detail, why, url);
        assert.match(r.body.detail, /mp1\.notify\.allow/);
      }
      const term = await h.call(t, 'POST', `${A}/applications/app-x/subscriptions`, { subscriptionType: 'AppTerminationNotificationSubscription', callbackReference: `${victim.url}/t`, appInstanceId: 'app-x' });
      assert.equal(term.status, 400);
      // a private address (another container) is fine
      assert.equal((await h.call(t, 'POST', `${S}/applications/app-x/subscriptions`, sub('http://10.88.0.7:8080/n'))).status, 201);
      assert.equal(victim.received.length, 0);
    } finally { await h.cleanup(); await victim.close(); }
  });

  it('delivery checks again: a callback stored while allowed is not delivered once denied (recorded as dropped)', async () => {
    const victim = await CallbackServer.start();
    const notify = { max_attempts: 1, backoff_ms: 10, timeout_ms: 1000 };
    const h1 = await Mp1Harness.start({ config: { notify: { ...notify, allow: ['127.0.0.0/8'] } } });
    let h2: Mp1Harness | undefined;
    try {
      const t = await h1.token('app-y');
      assert.equal((await h1.call(t, 'POST', `${S}/applications/app-y/subscriptions`, sub(`${victim.url}/n`))).status, 201);
      assert.equal((await h1.call(t, 'POST', `${S}/applications/app-y/services`, svc('one'))).status, 201);
      await victim.waitFor(1);
      await h1.stop();
      // the operator takes the allowance away; the stored subscription stays
      h2 = await Mp1Harness.start({ dir: h1.dir, config: { port: h1.opts.config.port, notify: { ...notify, allow: [] } } });
      const t2 = await h2.token('app-y');
      assert.equal((await h2.call(t2, 'POST', `${S}/applications/app-y/services`, svc('two'))).status, 201);
      const dropped = join(h1.dir, 'mp1', 'dropped-notifications.jsonl');
      let text = '';
      for (let i = 0; i < 100 && !text; i++) { text = await readFile(dropped, 'utf8').catch(() => ''); if (!text) await new Promise((r) => setTimeout(r, 50)); }
      assert.match(text, /"error":"EDENIED"/);
      assert.equal(victim.received.length, 1, 'nothing more reached the loopback service');
    } finally { await h2?.cleanup(); await h1.cleanup(); await victim.close(); }
  });

  it('names are checked at connect time too, and IPv4-mapped forms are the IPv4 address', () => {
    const p = new CallbackPolicy(['10.1.0.0/16']);
    assert.equal(p.denies('::ffff:7f00:1'), 'loopback');
    assert.equal(p.denies('::ffff:a9fe:a9fe'), 'cloud metadata');
    assert.equal(p.denies('10.1.2.3'), undefined);
    assert.equal(p.denies('192.0.2.1'), undefined);
    assert.throws(() => new CallbackPolicy(['localhost']), /mp1\.notify\.allow: "localhost" is not an address or prefix/);
    return new Promise<void>((resolve, reject) => {
      p.lookup('localhost', { all: true }, (err) => {
        try { assert.equal(err?.code, 'EDENIED'); resolve(); } catch (e) { reject(e); }
      });
    });
  });
});
