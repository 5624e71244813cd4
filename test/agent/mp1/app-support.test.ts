import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertConformance, assertSchema, CallbackServer, etsiPayload, Mp1Harness } from '../../helpers/mp1.js';

const A = '/mec_app_support/v1';
const dnsRule = (id: string, domainName: string, ipAddress: string, state = 'ACTIVE') => ({ dnsRuleId: id, domainName, ipAddressType: ipAddress.includes(':') ? 'IP_V6' : 'IP_V4', ipAddress, ttl: 300, state });
const trafficRule = { trafficRuleId: 'tr1', filterType: 'FLOW', priority: 5, action: 'DROP', state: 'ACTIVE', trafficFilter: [{ srcAddress: ['10.9.0.0/16'], dstPort: ['8080'], protocol: ['TCP'] }] };

describe('Mp1 app support (mec_app_support/v1)', () => {
  let h: Mp1Harness;
  let cb: CallbackServer;
  let t: string;
  let tOther: string;

  before(async () => {
    // the operator lets app-r rewrite its rules (by default an app may only switch their state)
    h = await Mp1Harness.start({ config: { rule_changes: { 'app-r': ['*'] } } });
    cb = await CallbackServer.start();
    await h.server.ensure('app-r', { dnsRules: [dnsRule('DnsRule1', 'www.example.com', '192.0.2.10'), dnsRule('v6', 'six.example.com', '2001:db8::6', 'INACTIVE')], trafficRules: [trafficRule, etsiPayload('TRAF/jsons/TrafficRuleUpdate.json')] });
    [t, tOther] = await Promise.all([h.token('app-r'), h.token('app-o')]);
  });
  after(async () => { await cb.close(); await h.cleanup(); });

  it('confirms readiness (204, idempotent) and validates the body', async () => {
    const body = etsiPayload('CONF/jsons/AppReadyConfirmation.json');
    assertConformance('CONF/AppReadyConfirmation', body);
    assert.equal((await h.call(t, 'POST', `${A}/applications/app-r/confirm_ready`, body)).status, 204);
    assert.equal((await h.call(t, 'POST', `${A}/applications/app-r/confirm_ready`, body)).status, 204);
    assert.ok(h.server.appSupport.isReady('app-r'));
    assert.equal((await h.call(t, 'POST', `${A}/applications/app-r/confirm_ready`, { indication: 'MAYBE' })).status, 400);
    assert.equal((await h.call(tOther, 'POST', `${A}/applications/app-r/confirm_ready`, body)).status, 403);
  });

  it('confirm_termination without a termination in progress is 409', async () => {
    const r = await h.call(t, 'POST', `${A}/applications/app-r/confirm_termination`, etsiPayload('CONF/jsons/AppTerminationConfirmation.json'));
    assert.equal(r.status, 409);
  });

  it('lists, reads and updates DNS rules with ETag/If-Match; the hosts file follows', async () => {
    const l = await h.call(t, 'GET', `${A}/applications/app-r/dns_rules`);
    assert.equal(l.status, 200);
    assertConformance('DNS/DnsRuleList', l.body);
    assert.equal(l.body.length, 2);
    const hostsFile = join(h.dir, 'mp1', 'hosts');
    assert.match(await readFile(hostsFile, 'utf8'), /^192\.0\.2\.10\twww\.example\.com\t# app-r\/DnsRule1$/m);
    assert.doesNotMatch(await readFile(hostsFile, 'utf8'), /six\.example\.com/, 'INACTIVE rules are not served');
    const g = await h.call(t, 'GET', `${A}/applications/app-r/dns_rules/DnsRule1`);
    assertConformance('DNS/DnsRule', g.body);
    const etag = g.headers.get('etag')!;
    const put = await h.call(t, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, etsiPayload('DNS/jsons/DnsRuleUpdate.json'), { 'if-match': etag });
    assert.equal(put.status, 200);
    assertConformance('DNS/DnsRule', put.body);
    assert.notEqual(put.headers.get('etag'), etag);
    assert.match(await readFile(hostsFile, 'utf8'), /^146\.241\.7\.3\twww\.example\.com/m);
    assert.equal((await h.call(t, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, etsiPayload('DNS/jsons/DnsRuleUpdate.json'), { 'if-match': etag })).status, 412);
    const bad = await h.call(t, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, etsiPayload('DNS/jsons/DnsRuleUpdateError.json'));
    assert.equal(bad.status, 400);
    assert.match(bad.body.detail, /state/);
    const fam = await h.call(t, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, dnsRule('DnsRule1', 'www.example.com', '2001:db8::1') && { ...dnsRule('DnsRule1', 'www.example.com', '2001:db8::1'), ipAddressType: 'IP_V4' });
    assert.equal(fam.status, 400);
    assert.match(fam.body.detail, /ipAddressType/);
    assert.equal((await h.call(t, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, dnsRule('Other', 'a.example', '192.0.2.1'))).status, 400);
    assert.equal((await h.call(t, 'GET', `${A}/applications/app-r/dns_rules/nope`)).status, 404);
    assert.equal((await h.call(tOther, 'PUT', `${A}/applications/app-r/dns_rules/DnsRule1`, etsiPayload('DNS/jsons/DnsRuleUpdate.json'))).status, 403);
    assert.equal((await h.call(tOther, 'GET', `${A}/applications/app-r/dns_rules`)).status, 403);
    assert.match(await readFile(hostsFile, 'utf8'), /^146\.241\.7\.3\twww\.example\.com/m, 'refused updates left the rule alone');
  });

  it('tells dnsmasq to reload (SIGHUP to the pid in its pid file) when the hosts change, and only then', async () => {
    const child = spawn(process.execPath, ['-e', "process.on('SIGHUP', () => console.log('hup')); setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += String(d); });
    const hups = () => out.split('\n').filter((l) => l === 'hup').length;
    const until = async (f: () => boolean) => { for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 25)); assert.ok(f()); };
    try {
      await until(() => out.includes('up'));
      const pidFile = join(h.dir, 'dnsmasq.pid');
      await writeFile(pidFile, `${child.pid}\n`);
      const h2 = await Mp1Harness.start({ config: { dns: { dnsmasq_pidfile: pidFile } } });
      try {
        await until(() => hups() === 1); // the hosts file is new
        await h2.server.ensure('app-d', { dnsRules: [dnsRule('d1', 'svc.local', '192.0.2.77')] });
        await until(() => hups() === 2);
        assert.match(await readFile(join(h2.dir, 'mp1', 'hosts'), 'utf8'), /192\.0\.2\.77\tsvc\.local/);
        await h2.server.ensure('app-e');
        await h2.server.appSupport.applyRules();
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(hups(), 2, 'an unchanged hosts file does not reload dnsmasq');
      } finally { await h2.cleanup(); }
    } finally { child.kill(); }
  });

  it('lists and updates traffic rules; bad addresses are 400; the nftables ruleset follows and nft accepts it', async () => {
    const l = await h.call(t, 'GET', `${A}/applications/app-r/traffic_rules`);
    assertConformance('TRAF/TrafficRuleList', l.body);
    assert.equal(l.body.length, 2);
    const nftFile = join(h.dir, 'mp1', 'traffic.nft');
    assert.match(await readFile(nftFile, 'utf8'), /ip saddr 10\.9\.0\.0\/16 meta l4proto tcp th dport 8080 counter drop comment "app-r\/tr1#0 prio 5"/);
    const g = await h.call(t, 'GET', `${A}/applications/app-r/traffic_rules/tr1`);
    assertConformance('TRAF/TrafficRule', g.body);
    const upd = { ...trafficRule, action: 'PASSTHROUGH', priority: 0 };
    const put = await h.call(t, 'PUT', `${A}/applications/app-r/traffic_rules/tr1`, upd, { 'if-match': g.headers.get('etag')! });
    assert.equal(put.status, 200);
    assertConformance('TRAF/TrafficRule', put.body);
    const text = await readFile(nftFile, 'utf8');
    assert.match(text, /counter accept comment "app-r\/tr1#0 prio 0"/);
    // priority 0 comes before the ETSI rule's priority 1
    assert.ok(text.indexOf('app-r/tr1#0') < text.indexOf('app-r/traffic_rule_01#0'));
    assert.equal((await h.call(t, 'PUT', `${A}/applications/app-r/traffic_rules/tr1`, upd, { 'if-match': g.headers.get('etag')! })).status, 412);
    const bad = await h.call(t, 'PUT', `${A}/applications/app-r/traffic_rules/traffic_rule_01`, etsiPayload('TRAF/jsons/TrafficRuleUpdateError.json'));
    assert.equal(bad.status, 400);
    const addr = await h.call(t, 'PUT', `${A}/applications/app-r/traffic_rules/tr1`, { ...trafficRule, trafficFilter: [{ srcAddress: ['10.0.0.300'], dstPort: ['70000'] }] });
    assert.equal(addr.status, 400);
    assert.match(addr.body.detail, /srcAddress\[0\].*10\.0\.0\.300/);
    assert.match(addr.body.detail, /dstPort\[0\]/);
    assert.equal((await h.call(tOther, 'PUT', `${A}/applications/app-r/traffic_rules/tr1`, upd)).status, 403);
    assert.equal((await h.call(t, 'GET', `${A}/applications/app-r/traffic_rules/nope`)).status, 404);
  });

  it('answers current time and timing capabilities', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await h.call(t, 'GET', `${A}/timing/current_time`);
    assert.equal(r.status, 200);
    assertConformance('TIME/CurrentTime', r.body);
    assert.ok(r.body.seconds >= before && r.body.seconds <= before + 5);
    const c = await h.call(t, 'GET', `${A}/timing/timing_caps`);
    assert.equal(c.status, 200);
    assertConformance('TIME/TimingCaps', c.body);
    assert.equal((await h.call(undefined, 'GET', `${A}/timing/current_time`)).status, 401);
  });

  it('notifies termination subscribers, waits for confirm_termination, then forgets the app and its credentials', async () => {
    const app = 'app-term';
    const id = await h.server.ensure(app);
    const tt = await h.token(app);
    const body = { ...etsiPayload('APPSUB/jsons/AppTerminationNotificationSubscription.json'), callbackReference: `${cb.url}/term`, appInstanceId: app };
    const s = await h.call(tt, 'POST', `${A}/applications/${app}/subscriptions`, body);
    assert.equal(s.status, 201);
    assertConformance('APPSUB/AppTerminationNotificationSubscription', s.body);
    const list = await h.call(tt, 'GET', `${A}/applications/${app}/subscriptions`);
    assertConformance('APPSUB/SubscriptionsLinkList', list.body);
    assert.equal((await h.call(tt, 'POST', `${A}/applications/${app}/subscriptions`, { ...body, appInstanceId: 'app-r' })).status, 400);
    await h.call(tt, 'POST', '/mec_service_mgmt/v1/applications/app-term/services', { serName: 'dying', version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' });

    const n0 = cb.received.length;
    const removing = h.server.remove(app);
    await cb.waitFor(n0 + 1);
    const note = cb.received[n0];
    assert.equal(note.path, '/term');
    assertSchema('mec_app_support', 'AppTerminationNotification', note.body);
    assert.equal(note.body.operationAction, 'TERMINATING');
    assert.equal((await h.call(tt, 'POST', `${A}/applications/${app}/confirm_ready`, { indication: 'READY' })).status, 409, 'not ready while terminating');
    assert.equal((await h.call(tt, 'POST', `${A}/applications/${app}/confirm_termination`, { operationAction: 'STOPPING' })).status, 409);
    const confirmPath = new URL(note.body._links.confirmTermination.href).pathname;
    assert.equal((await h.call(tt, 'POST', confirmPath, { operationAction: 'TERMINATING' })).status, 204);
    await removing;
    assert.equal((await h.call(tt, 'GET', '/mec_service_mgmt/v1/services')).status, 401, 'tokens of a removed app stop working');
    assert.equal((await h.call(t, 'GET', '/mec_service_mgmt/v1/services?ser_name=dying')).body.length, 0, 'its services are gone');
    const r = await fetch(`${h.base}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id.clientId, client_secret: id.clientSecret }) });
    assert.equal(r.status, 401);
  });
});
