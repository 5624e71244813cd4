import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { NftApplier } from '../../../agent/mp1/nft-applier.js';
import { appTableName, checkTrafficRule, renderNftRuleset, type TrafficRule } from '../../../agent/mp1/traffic.js';
import { tempDir } from '../../helpers/context.js';
import { etsiPayload } from '../../helpers/mp1.js';

const run = promisify(execFile);

const rule = (o: Partial<TrafficRule>): TrafficRule => ({ trafficRuleId: 'r', filterType: 'FLOW', priority: 10, action: 'DROP', state: 'ACTIVE', trafficFilter: [{}], ...o });

async function nftAccepts(text: string): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    const f = join(dir, 'r.nft');
    await writeFile(f, text);
    await run('nft', ['-c', '-f', f]);
  } finally { await cleanup(); }
}

describe('traffic rules to nftables', () => {
  it('renders each action, both address families, ranges and prefixes; nft -c accepts the ruleset', async () => {
    const rules = [
      { appInstanceId: 'etsi', rule: etsiPayload('TRAF/jsons/TrafficRuleUpdate.json') as unknown as TrafficRule },
      { appInstanceId: 'a', rule: rule({ trafficRuleId: 'fwd', priority: 3, action: 'FORWARD_DECAPSULATED', dstInterface: { interfaceType: 'IP', dstIpAddress: '10.0.0.5' }, trafficFilter: [{ dstAddress: ['203.0.113.10'], dstPort: ['80', '8000-8100'], protocol: ['tcp'] }] }) },
      { appInstanceId: 'a', rule: rule({ trafficRuleId: 'dup', priority: 4, action: 'DUPLICATE_DECAPSULATED', dstInterface: { interfaceType: 'IP', dstIpAddress: '10.0.0.6' }, trafficFilter: [{ srcAddress: ['192.0.2.1-192.0.2.9'] }] }) },
      { appInstanceId: 'b', rule: rule({ trafficRuleId: 'v6', priority: 2, action: 'PASSTHROUGH', trafficFilter: [{ srcAddress: ['2001:db8::/32', '198.51.100.0/24'], protocol: ['UDP', 'ICMPv6'], dSCP: 46 }] }) },
      { appInstanceId: 'b', rule: rule({ trafficRuleId: 'off', state: 'INACTIVE', trafficFilter: [{ srcAddress: ['192.0.2.200'] }] }) },
    ];
    for (const r of rules) assert.deepEqual(checkTrafficRule(r.rule), [], r.rule.trafficRuleId);
    const text = renderNftRuleset(rules);
    assert.match(text, /ip daddr 203\.0\.113\.10 meta l4proto tcp th dport \{ 80, 8000-8100 \} counter dnat to 10\.0\.0\.5 comment "a\/fwd#0 prio 3"/);
    assert.match(text, /ip saddr 192\.0\.2\.1-192\.0\.2\.9 counter dup to 10\.0\.0\.6/);
    assert.match(text, /ip6 saddr 2001:db8::\/32 meta l4proto \{ udp, ipv6-icmp \} ip6 dscp 46 counter accept/);
    assert.match(text, /ip saddr 198\.51\.100\.0\/24 meta l4proto udp ip dscp 46 counter accept/);
    assert.match(text, /meta l4proto \{ tcp, udp \} th sport \{ 30078, 1029, 30089 \}/, 'HTTP folds into tcp');
    assert.match(text, /# etsi\/traffic_rule_01#0: not enforced by nftables on this box: token, srcTunnelAddress/);
    assert.doesNotMatch(text, /192\.0\.2\.200/, 'INACTIVE rules are left out');
    // each app in its own tables, its rules in priority order
    assert.match(text, new RegExp(`table ip ${appTableName('a')} \\{`));
    assert.match(text, new RegExp(`table ip6 ${appTableName('b')} \\{`));
    const ordered = renderNftRuleset([rule({ trafficRuleId: 'late', priority: 7 }), rule({ trafficRuleId: 'early', priority: 2 })].map((r) => ({ appInstanceId: 'c', rule: r })));
    assert.ok(ordered.indexOf('c/early#0 prio 2') < ordered.indexOf('c/late#0 prio 7'), 'priority 2 before 7');
    await nftAccepts(text);
    assert.equal(renderNftRuleset([...rules].reverse()), text, 'the same rules give the same file');
    await nftAccepts(renderNftRuleset([]));
  });

  it('names every bad field of a rule', () => {
    const errs = checkTrafficRule(rule({
      priority: 300,
      trafficFilter: [{ srcAddress: ['10.0.0.1/33', '10.0.0.1-2001:db8::1'], dstPort: ['1-0'], protocol: ['GOPHER'], dSCP: 64, srcTunnelAddress: ['x'] }],
      dstInterface: { interfaceType: 'MAC', srcMacAddress: 'zz:zz' },
    }));
    for (const want of [/srcAddress\[0\]/, /srcAddress\[1\]/, /dstPort\[0\]/, /protocol\[0\].*GOPHER/, /dSCP/, /srcTunnelAddress\[0\]/, /srcMacAddress/, /priority/]) {
      assert.ok(errs.some((e) => want.test(e)), `${want}: ${errs.join(' | ')}`);
    }
  });

  // loading a ruleset for real changes the machine's firewall: do it inside a private network namespace
  const netns = spawnSync('unshare', ['-n', 'true']).status === 0;
  it('loads the ruleset into the kernel (nft -f, in a private network namespace) and reports what nft rejects', { skip: netns ? false : 'needs unshare -n (root)' }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const nft = join(dir, 'nft');
      await writeFile(nft, `#!/bin/sh\nexec unshare -n sh -c 'nft "$@" && nft list ruleset > ${dir}/loaded.txt' nft "$@"\n`);
      await chmod(nft, 0o755);
      const applier = new NftApplier({ file: join(dir, 'traffic.nft'), mode: 'apply', nft });
      assert.deepEqual(await applier.apply([{ appInstanceId: 'a', rule: rule({ trafficRuleId: 'blk', trafficFilter: [{ srcAddress: ['192.0.2.0/24'], dstPort: ['22'], protocol: ['TCP'] }] }) }]), { loaded: true });
      const loaded = await readFile(join(dir, 'loaded.txt'), 'utf8');
      assert.match(loaded, new RegExp(`table ip ${appTableName('a')}`));
      assert.match(loaded, /ip saddr 192\.0\.2\.0\/24 tcp dport 22 counter packets 0 bytes 0 drop comment "a\/blk#0 prio 10"/);
    } finally { await cleanup(); }
  });
});
