import assert from 'node:assert/strict';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistryTables } from '../../../agent/mp1/registry-tables.js';
import { tempDir } from '../../helpers/context.js';
import { CallbackServer, Mp1Harness } from '../../helpers/mp1.js';

const S = '/mec_service_mgmt/v1';
const svc = (serName: string) => ({ serName, version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' });

describe('Mp1 persistence and delivery', () => {
  it('keeps services, subscriptions, rules and credentials across a restart', async () => {
    const cb = await CallbackServer.start();
    const h1 = await Mp1Harness.start({ config: { rule_changes: { 'app-p': ['ipAddress'] } } });
    try {
      const id1 = await h1.server.ensure('app-p', { dnsRules: [{ dnsRuleId: 'd', domainName: 'p.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.5', state: 'ACTIVE' }] });
      const t = await h1.token('app-p');
      const s = (await h1.call(t, 'POST', `${S}/applications/app-p/services`, svc('kept'))).body;
      const sub = (await h1.call(t, 'POST', `${S}/applications/app-p/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: `${cb.url}/n` })).body;
      await h1.call(t, 'PUT', '/mec_app_support/v1/applications/app-p/dns_rules/d', { dnsRuleId: 'd', domainName: 'p.example', ipAddressType: 'IP_V4', ipAddress: '192.0.2.6', state: 'ACTIVE' });
      await h1.call(t, 'POST', '/mec_app_support/v1/applications/app-p/confirm_ready', { indication: 'READY' });
      await h1.stop();

      const h2 = await Mp1Harness.start({ dir: h1.dir, config: { port: h1.opts.config.port } });
      try {
        assert.deepEqual(await h2.server.ensure('app-p'), id1, 'same instance → same identity (idempotent re-deploy)');
        const t2 = await h2.token('app-p');
        assert.equal((await h2.call(t, 'GET', `${S}/services`)).status, 200, 'a token from before the restart is still good: the signing key is durable');
        const got = await h2.call(t2, 'GET', `${S}/services/${s.serInstanceId}`);
        assert.deepEqual(got.body, s);
        assert.deepEqual((await h2.call(t2, 'GET', `${S}/services?ser_name=kept`)).body, [s], 'discovery by name works on the restored registry');
        assert.deepEqual((await h2.call(t2, 'GET', new URL(sub._links.self.href).pathname)).body, sub);
        assert.equal((await h2.call(t2, 'GET', '/mec_app_support/v1/applications/app-p/dns_rules/d')).body.ipAddress, '192.0.2.6');
        assert.ok(h2.server.appSupport.isReady('app-p'));
        // the restored subscription still notifies
        await h2.call(t2, 'DELETE', `${S}/applications/app-p/services/${s.serInstanceId}`);
        await cb.waitFor(1);
        assert.equal(cb.received.at(-1)!.body.serviceReferences[0].changeType, 'REMOVED');
      } finally { await h2.cleanup(); }
    } finally { await cb.close(); await h1.cleanup(); }
  });

  it('replays the journal over the snapshot and drops only a torn last line', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const j = await RegistryTables.open(dir);
      await Promise.all(Array.from({ length: 50 }, (_, i) => j.write('t', `k${i}`, { i })));
      await j.write('t', 'k3', undefined);
      await j.close();
      await appendFile(join(dir, 'journal.jsonl'), '{"t":"t","k":"k9","v":{"i":');
      const j2 = await RegistryTables.open(dir);
      assert.equal(j2.table('t').size, 49);
      assert.equal(j2.table('t').has('k3'), false);
      assert.deepEqual(j2.table('t').get('k9'), { i: 9 });
      assert.equal(await readFile(join(dir, 'journal.jsonl'), 'utf8'), '', 'open folds the journal into the snapshot');
      await j2.close();
      await appendFile(join(dir, 'journal.jsonl'), 'garbage\n{"t":"t","k":"x","v":1}\n');
      await assert.rejects(RegistryTables.open(dir), /journal\.jsonl:1/);
    } finally { await cleanup(); }
  });

  it('retries a failing callback with backoff, delivers when it recovers, and drops after max attempts with every attempt recorded', async () => {
    const cb = await CallbackServer.start();
    const h = await Mp1Harness.start({ config: { notify: { max_attempts: 3, backoff_ms: 50, timeout_ms: 1000, allow: ['127.0.0.1'] } } });
    try {
      const t = await h.token('app-n');
      await h.call(t, 'POST', `${S}/applications/app-n/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: `${cb.url}/flaky` });
      cb.status = 500;
      await h.call(t, 'POST', `${S}/applications/app-n/services`, svc('one'));
      while (cb.failed < 2) await new Promise((r) => setTimeout(r, 10));
      cb.status = 204;
      await cb.waitFor(1);
      assert.equal(cb.received[0].body.serviceReferences[0].serName, 'one');

      await h.call(t, 'POST', `${S}/applications/app-n/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: 'http://127.0.0.1:9/closed', filteringCriteria: { serNames: ['two'] } });
      await h.call(t, 'POST', `${S}/applications/app-n/services`, svc('two'));
      const file = join(h.dir, 'mp1', 'dropped-notifications.jsonl');
      let text = '';
      for (let i = 0; i < 200 && !text; i++) { await new Promise((r) => setTimeout(r, 25)); text = await readFile(file, 'utf8').catch(() => ''); }
      const rec = JSON.parse(text.trim()) as { callbackReference: string; attempts: Array<{ error: string }>; notificationType: string };
      assert.equal(rec.callbackReference, 'http://127.0.0.1:9/closed');
      assert.equal(rec.attempts.length, 3);
      assert.equal(rec.notificationType, 'SerAvailabilityNotification');
      assert.match(rec.attempts[0].error, /ECONNREFUSED/);
      assert.equal(h.server.notifier.dropped, 1);
    } finally { await cb.close(); await h.cleanup(); }
  });

  it('resumes undelivered notifications after a restart and delivers each once', async () => {
    const cb = await CallbackServer.start();
    const notify = { max_attempts: 5, backoff_ms: 600_000, timeout_ms: 1000, allow: ['127.0.0.1'] };
    const h1 = await Mp1Harness.start({ config: { notify } });
    try {
      const t = await h1.token('app-q');
      await h1.call(t, 'POST', `${S}/applications/app-q/subscriptions`, { subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: `${cb.url}/later` });
      cb.status = 503;
      await h1.call(t, 'POST', `${S}/applications/app-q/services`, svc('pending'));
      while (cb.failed < 1) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100)); // the failed attempt is recorded
      await h1.stop(); // the next attempt was 10 minutes away
      cb.status = 204;
      const h2 = await Mp1Harness.start({ dir: h1.dir, config: { port: h1.opts.config.port, notify } });
      await cb.waitFor(1);
      assert.equal(cb.received[0].body.serviceReferences[0].serName, 'pending');
      await new Promise((r) => setTimeout(r, 100));
      await h2.stop();
      const h3 = await Mp1Harness.start({ dir: h1.dir, config: { port: h1.opts.config.port, notify } });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(cb.received.length, 1, 'a delivered notification is not sent again');
      await h3.stop();
    } finally { await cb.close(); await h1.cleanup(); }
  });
});
