import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { appTableName, checkTrafficRule, type TrafficRule } from '../../../agent/mp1/traffic.js';
import { tempDir } from '../../helpers/context.js';
import { Mp1Harness } from '../../helpers/mp1.js';

const run = promisify(execFile);
const A = '/mec_app_support/v1';
const rule = (o: Partial<TrafficRule>): TrafficRule => ({ trafficRuleId: 'r', filterType: 'FLOW', priority: 10, action: 'DROP', state: 'ACTIVE', trafficFilter: [{}], ...o });

describe('traffic rules: strict validation', () => {
  it('refuses addresses, ports and protocols that only look right after trimming or lenient parsing', () => {
    const bad: Array<[keyof TrafficRule['trafficFilter'][0], string]> = [
      ['srcAddress', '\n10.0.0.1-10.0.0.2'], ['srcAddress', ' 10.0.0.1'], ['srcAddress', '10.0.0.1 - 10.0.0.2'], ['srcAddress', '10.0.0.1\n'],
      ['srcAddress', '10.0.0.9-10.0.0.1'], ['srcAddress', '2001:db8::9-2001:db8::1'], ['srcAddress', 'fe80::1%eth0'], ['srcAddress', '10.0.0.0/08'],
      ['srcAddress', '10.0.0.0/+8'], ['srcAddress', '10.0.0.1-10.0.0.2-10.0.0.3'], ['dstAddress', '10.0.0.1 counter accept'],
      ['dstPort', ' 80'], ['dstPort', '80 '], ['dstPort', '080'], ['dstPort', '+80'], ['dstPort', '1e3'], ['dstPort', '90-80'],
      ['protocol', ' TCP'], ['protocol', 'TCP\n'], ['protocol', 'constructor'], ['protocol', '__proto__'],
    ];
    for (const [k, v] of bad) {
      const errs = checkTrafficRule(rule({ trafficFilter: [{ [k]: [v] }] }));
      assert.ok(errs.some((e) => e.startsWith(`trafficFilter[0].${k}[0]`)), `${k} ${JSON.stringify(v)}: ${errs.join(' | ')}`);
    }
    const errs = checkTrafficRule(rule({ action: 'FORWARD_DECAPSULATED', dstInterface: { interfaceType: 'IP', dstIpAddress: 'fe80::1%eth0' } }));
    assert.match(errs.join(), /dstIpAddress/);
    // what legitimate rules write still passes
    const good = rule({ trafficFilter: [{ srcAddress: ['10.0.0.1', '10.0.0.0/8', '10.0.0.1-10.0.0.9', '2001:db8::/32', '2001:db8::1-2001:db8::ff', '::ffff:192.0.2.1'], dstPort: ['0', '80', '8000-8100', '65535'], protocol: ['tcp', 'UDP', 'ICMPv6'] }] });
    assert.deepEqual(checkTrafficRule(good), []);
  });
});

// loading rulesets for real changes a firewall: a named private network namespace, so state persists between nft runs.
// Skipped only where `ip netns add` is refused (not root): npm test runs as root, so CI never skips it
// (check-skips.mjs fails on any skip not in test/skip-allowlist.txt).
const canNetns = spawnSync('ip', ['netns', 'add', `umec-probe-${process.pid}`]).status === 0;
if (canNetns) spawnSync('ip', ['netns', 'del', `umec-probe-${process.pid}`]);

describe('traffic rules over real HTTP, loaded by real nft in a private network namespace', { skip: canNetns ? false : 'needs ip netns (root)' }, () => {
  const ns = `umec-traffic-${process.pid}`;
  let dir: string;
  let cleanup: () => Promise<void>;
  let nft: string;
  let h: Mp1Harness;
  const list = async () => (await run('ip', ['netns', 'exec', ns, 'nft', 'list', 'ruleset'])).stdout;
  const ruleA = rule({ trafficRuleId: 'a1', priority: 5, state: 'INACTIVE', trafficFilter: [{ srcAddress: ['192.0.2.0/24'], dstPort: ['8080'], protocol: ['TCP'] }] });
  const ruleB = rule({ trafficRuleId: 'b1', priority: 5, state: 'INACTIVE', trafficFilter: [{ srcAddress: ['198.51.100.0/24'], dstPort: ['9090'], protocol: ['UDP'] }] });

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await run('ip', ['netns', 'add', ns]);
    nft = join(dir, 'nft');
    await writeFile(nft, `#!/bin/sh\nexec ip netns exec ${ns} nft "$@"\n`);
    await chmod(nft, 0o755);
  });
  after(async () => {
    await h?.cleanup();
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await cleanup();
  });

  it("the issue's rule is 400 naming the field; another app's later change is loaded; a rule stored before the checks never reaches nft", async () => {
    h = await Mp1Harness.start({ dir: join(dir, 'agent'), server: { nftMode: 'apply', nft } });
    await h.server.ensure('app-a', { trafficRules: [ruleA] });
    await h.server.ensure('app-b', { trafficRules: [ruleB] });
    const [ta, tb] = [await h.token('app-a'), await h.token('app-b')];
    await h.server.appSupport.applyRules();

    // the attack: a newline before a range, accepted before because only a trimmed copy was checked
    const evil = { ...ruleA, state: 'ACTIVE', trafficFilter: [{ srcAddress: ['\n10.0.0.1-10.0.0.2'] }] };
    const r = await h.call(ta, 'PUT', `${A}/applications/app-a/traffic_rules/a1`, evil);
    assert.equal(r.status, 400);
    assert.match(r.body.detail, /trafficFilter\[0\]\.srcAddress\[0\]: "\\n10\.0\.0\.1-10\.0\.0\.2" is not an IP address/);
    assert.equal((await h.call(ta, 'GET', `${A}/applications/app-a/traffic_rules/a1`)).body.state, 'INACTIVE', 'nothing stored');

    // app B switches its rule on: answered 200 and really loaded
    const on = await h.call(tb, 'PUT', `${A}/applications/app-b/traffic_rules/b1`, { ...ruleB, state: 'ACTIVE' });
    assert.equal(on.status, 200);
    let loaded = await list();
    assert.match(loaded, new RegExp(`table ip ${appTableName('app-b')}`));
    assert.match(loaded, /ip saddr 198\.51\.100\.0\/24 udp dport 9090 counter packets 0 bytes 0 drop comment "app-b\/b1#0 prio 5"/);

    // a bad rule stored by an earlier version (it survives restarts) must not break anything now
    await h.stop();
    const { RegistryTables } = await import('../../../agent/mp1/registry-tables.js');
    const reg = await RegistryTables.open(join(dir, 'agent', 'mp1', 'registry'));
    await reg.write('traffic', 'app-a/a1', { app: 'app-a', rev: 9, rule: { ...evil, trafficFilter: [{ srcAddress: ['10.0.0.1 counter accept\n}\n}\nflush ruleset\n#'] }] } });
    await reg.close();
    h = await Mp1Harness.start({ dir: join(dir, 'agent'), server: { nftMode: 'apply', nft } });
    loaded = await list();
    assert.match(loaded, /app-b\/b1#0 prio 5/, "app B's rule is still loaded");
    assert.match(loaded, new RegExp(`table ip ${appTableName('app-a')}`), "app A's table is loaded, without the bad rule");
    assert.doesNotMatch(loaded, /10\.0\.0\.1/);
    // app A repairs its rule with a state change of what its package declared
    const ta2 = await h.token('app-a');
    const fixed = await h.call(ta2, 'PUT', `${A}/applications/app-a/traffic_rules/a1`, { ...ruleA, state: 'ACTIVE' });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    loaded = await list();
    assert.match(loaded, /ip saddr 192\.0\.2\.0\/24 tcp dport 8080 counter packets 0 bytes 0 drop comment "app-a\/a1#0 prio 5"/);
    assert.match(loaded, /app-b\/b1#0 prio 5/);
  });

  it('an app may only switch the state of what its package declared; it cannot turn its rule into a DNAT of port 22', async () => {
    const ta = await h.token('app-a');
    const dnat = { ...ruleA, state: 'ACTIVE', action: 'FORWARD_DECAPSULATED', dstInterface: { interfaceType: 'IP', dstIpAddress: '10.0.0.66' }, trafficFilter: [{ dstPort: ['22', '8443'], protocol: ['TCP'] }] };
    const r = await h.call(ta, 'PUT', `${A}/applications/app-a/traffic_rules/a1`, dnat);
    assert.equal(r.status, 403);
    assert.match(r.body.detail, /fields action, dstInterface, trafficFilter were declared by the app's package/);
    assert.doesNotMatch(await list(), /dnat/);
    assert.equal((await h.call(ta, 'PUT', `${A}/applications/app-a/traffic_rules/a1`, { ...ruleA, state: 'INACTIVE' })).status, 200);
    assert.doesNotMatch(await list(), /app-a\/a1/);
  });

  it('nft refusing the new rules is a 400 and stores nothing', async () => {
    // the same nft without CAP_NET_ADMIN: a real refusal from nft, for a rule that passes every other check
    const weak = join(dir, 'nft-weak');
    await writeFile(weak, `#!/bin/sh\nexec ip netns exec ${ns} setpriv --inh-caps=-all --bounding-set=-net_admin nft "$@"\n`);
    await chmod(weak, 0o755);
    await h.stop();
    h = await Mp1Harness.start({ dir: join(dir, 'agent'), server: { nftMode: 'apply', nft: weak } });
    const ta = await h.token('app-a');
    const r = await h.call(ta, 'PUT', `${A}/applications/app-a/traffic_rules/a1`, { ...ruleA, state: 'ACTIVE' });
    assert.equal(r.status, 400);
    assert.match(r.body.detail, /nftables refuses the app's rules with this one: .*(not permitted|Permission)/i);
    assert.equal((await h.call(ta, 'GET', `${A}/applications/app-a/traffic_rules/a1`)).body.state, 'INACTIVE');
  });
});
