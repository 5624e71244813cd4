import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

const run = promisify(execFile);

export interface TrafficFilter {
  srcAddress?: string[]; dstAddress?: string[]; srcPort?: string[]; dstPort?: string[]; protocol?: string[]; token?: string[];
  srcTunnelAddress?: string[]; tgtTunnelAddress?: string[]; srcTunnelPort?: string[]; dstTunnelPort?: string[];
  qCI?: number; dSCP?: number; tC?: number;
}
export interface TrafficRule {
  trafficRuleId: string; filterType: 'FLOW' | 'PACKET'; priority: number; trafficFilter: TrafficFilter[];
  action: 'DROP' | 'FORWARD_DECAPSULATED' | 'FORWARD_ENCAPSULATED' | 'PASSTHROUGH' | 'DUPLICATE_DECAPSULATED' | 'DUPLICATE_ENCAPSULATED';
  dstInterface?: { interfaceType: 'TUNNEL' | 'MAC' | 'IP'; tunnelInfo?: { tunnelType: string; tunnelDstAddress?: string; tunnelSrcAddress?: string };
    srcMacAddress?: string; dstMacAddress?: string; dstIpAddress?: string };
  state: 'ACTIVE' | 'INACTIVE';
}

/** nft protocol names for the protocol strings apps use; application protocols map to their transport. */
const PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp', ICMP: 'icmp', ICMPV6: 'ipv6-icmp', HTTP: 'tcp', HTTPS: 'tcp', QUIC: 'udp' };
const PORTED = new Set(['tcp', 'udp', 'sctp']);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

type Family = 4 | 6;

/** An address, prefix or range of one family, or undefined when it is none of those. */
export function addressFamily(a: string): Family | undefined {
  const range = a.split('-');
  if (range.length === 2) {
    const [f1, f2] = [isIP(range[0].trim()), isIP(range[1].trim())];
    return f1 && f1 === f2 ? (f1 as Family) : undefined;
  }
  const [ip, len, more] = a.split('/');
  const f = isIP(ip ?? '');
  if (!f || more !== undefined) return undefined;
  if (len === undefined) return f as Family;
  const n = Number(len);
  return /^\d{1,3}$/.test(len) && n <= (f === 4 ? 32 : 128) ? (f as Family) : undefined;
}

function validPort(p: string): boolean {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p.trim());
  if (!m) return false;
  const [a, b] = [Number(m[1]), m[2] === undefined ? Number(m[1]) : Number(m[2])];
  return a <= 65535 && b <= 65535 && a <= b;
}

/** What the schema cannot say: addresses, ports, protocols and interfaces that make sense. Field paths as in the body. */
export function checkTrafficRule(r: TrafficRule): string[] {
  const errs: string[] = [];
  r.trafficFilter.forEach((f, i) => {
    const at = `trafficFilter[${i}]`;
    for (const k of ['srcAddress', 'dstAddress'] as const) {
      (f[k] ?? []).forEach((a, j) => { if (!addressFamily(a)) errs.push(`${at}.${k}[${j}]: ${JSON.stringify(a)} is not an IP address, prefix or range`); });
    }
    for (const k of ['srcTunnelAddress', 'tgtTunnelAddress'] as const) {
      (f[k] ?? []).forEach((a, j) => { if (!isIP(a)) errs.push(`${at}.${k}[${j}]: ${JSON.stringify(a)} is not an IP address`); });
    }
    for (const k of ['srcPort', 'dstPort', 'srcTunnelPort', 'dstTunnelPort'] as const) {
      (f[k] ?? []).forEach((p, j) => { if (!validPort(p)) errs.push(`${at}.${k}[${j}]: ${JSON.stringify(p)} is not a port or port range (0-65535)`); });
    }
    (f.protocol ?? []).forEach((p, j) => {
      if (!PROTOCOLS[p.toUpperCase()]) errs.push(`${at}.protocol[${j}]: unknown protocol ${JSON.stringify(p)} (known: ${Object.keys(PROTOCOLS).join(', ')})`);
    });
    if (f.dSCP !== undefined && !(Number.isInteger(f.dSCP) && f.dSCP >= 0 && f.dSCP <= 63)) errs.push(`${at}.dSCP: must be 0-63`);
    if (f.qCI !== undefined && !(Number.isInteger(f.qCI) && f.qCI >= 1 && f.qCI <= 255)) errs.push(`${at}.qCI: must be 1-255`);
    if (f.tC !== undefined && !(Number.isInteger(f.tC) && f.tC >= 0 && f.tC <= 255)) errs.push(`${at}.tC: must be 0-255`);
  });
  const d = r.dstInterface;
  if (d) {
    if (d.dstIpAddress !== undefined && !isIP(d.dstIpAddress)) errs.push(`dstInterface.dstIpAddress: ${JSON.stringify(d.dstIpAddress)} is not an IP address`);
    for (const k of ['srcMacAddress', 'dstMacAddress'] as const) if (d[k] !== undefined && !MAC.test(d[k])) errs.push(`dstInterface.${k}: ${JSON.stringify(d[k])} is not a MAC address`);
    for (const k of ['tunnelDstAddress', 'tunnelSrcAddress'] as const) {
      const a = d.tunnelInfo?.[k];
      if (a !== undefined && !isIP(a)) errs.push(`dstInterface.tunnelInfo.${k}: ${JSON.stringify(a)} is not an IP address`);
    }
  }
  if (r.priority > 255) errs.push('priority: must be 0-255 (0 is the highest)');
  return errs;
}

const set = (xs: string[]) => (xs.length === 1 ? xs[0] : `{ ${xs.join(', ')} }`);
const ports = (xs: string[]) => xs.map((p) => p.trim());

interface Rendered { filter: string[]; nat: string[] }

/** nft rules for one filter in one family; [] when the filter's addresses name only the other family. */
function filterMatches(f: TrafficFilter, fam: Family): string | undefined {
  const ipk = fam === 4 ? 'ip' : 'ip6';
  const parts: string[] = [];
  for (const [k, dir] of [['srcAddress', 'saddr'], ['dstAddress', 'daddr']] as const) {
    const all = f[k] ?? [];
    const mine = all.filter((a) => addressFamily(a) === fam);
    if (all.length && !mine.length) return undefined;
    if (mine.length) parts.push(`${ipk} ${dir} ${set(mine.map((a) => a.replace(/\s*-\s*/, '-')))}`);
  }
  const protos = [...new Set((f.protocol ?? []).map((p) => PROTOCOLS[p.toUpperCase()]))]
    .filter((p) => (fam === 4 ? p !== 'ipv6-icmp' : p !== 'icmp'));
  const hasPorts = (f.srcPort?.length ?? 0) + (f.dstPort?.length ?? 0) > 0;
  const l4 = hasPorts ? (protos.length ? protos.filter((p) => PORTED.has(p)) : ['tcp', 'udp', 'sctp']) : protos;
  if (f.protocol?.length && !l4.length) return undefined;
  if (l4.length) parts.push(`meta l4proto ${set(l4)}`);
  if (f.srcPort?.length) parts.push(`th sport ${set(ports(f.srcPort))}`);
  if (f.dstPort?.length) parts.push(`th dport ${set(ports(f.dstPort))}`);
  if (f.dSCP !== undefined) parts.push(`${ipk} dscp ${f.dSCP}`);
  return parts.join(' ');
}

const UNENFORCED = ['token', 'srcTunnelAddress', 'tgtTunnelAddress', 'srcTunnelPort', 'dstTunnelPort', 'qCI', 'tC'] as const;

function renderRule(app: string, r: TrafficRule, fam: Family, out: Rendered): void {
  const tag = `${app}/${r.trafficRuleId}`.replace(/["\\]/g, '_');
  const dst = r.dstInterface?.interfaceType === 'IP' ? r.dstInterface.dstIpAddress : undefined;
  r.trafficFilter.forEach((f, i) => {
    const m = filterMatches(f, fam);
    if (m === undefined) return;
    const comment = `comment "${tag}#${i} prio ${r.priority}"`;
    const note = UNENFORCED.filter((k) => f[k] !== undefined);
    if (note.length) out.filter.push(`# ${tag}#${i}: not enforced by nftables on this box: ${note.join(', ')}`);
    const match = m ? `${m} ` : '';
    switch (r.action) {
      case 'DROP': out.filter.push(`${match}counter drop ${comment}`); break;
      case 'PASSTHROUGH': out.filter.push(`${match}counter accept ${comment}`); break;
      case 'FORWARD_DECAPSULATED': case 'FORWARD_ENCAPSULATED':
        if (dst && isIP(dst) === fam) out.nat.push(`${match}counter dnat to ${fam === 6 ? `[${dst}]` : dst} ${comment}`);
        else out.filter.push(`# ${tag}#${i}: ${r.action} needs an IP dstInterface of this family; not rendered`);
        break;
      case 'DUPLICATE_DECAPSULATED': case 'DUPLICATE_ENCAPSULATED':
        if (dst && isIP(dst) === fam) out.filter.push(`${match}counter dup to ${dst} ${comment}`);
        else out.filter.push(`# ${tag}#${i}: ${r.action} needs an IP dstInterface of this family; not rendered`);
        break;
    }
  });
}

/**
 * The nftables ruleset for all ACTIVE traffic rules: one `ip` and one `ip6`
 * table named umec_mp1, replaced whole on every load (so the file is the
 * complete truth and loading it twice changes nothing). Rules go in
 * priority order (0 first, as in MEC 010-2), ties by app and rule id.
 */
export function renderNftRuleset(rules: Array<{ appInstanceId: string; rule: TrafficRule }>): string {
  const active = rules.filter((r) => r.rule.state === 'ACTIVE')
    .sort((a, b) => a.rule.priority - b.rule.priority || a.appInstanceId.localeCompare(b.appInstanceId) || a.rule.trafficRuleId.localeCompare(b.rule.trafficRuleId));
  const text = ['# written by the umec agent from Mp1 traffic rules; do not edit'];
  for (const fam of [4, 6] as const) {
    const out: Rendered = { filter: [], nat: [] };
    for (const r of active) renderRule(r.appInstanceId, r.rule, fam, out);
    const t = fam === 4 ? 'ip' : 'ip6';
    text.push(`table ${t} umec_mp1`, `delete table ${t} umec_mp1`, `table ${t} umec_mp1 {`,
      '  chain filter_pre {', '    type filter hook prerouting priority -150; policy accept;', ...out.filter.map((l) => `    ${l}`), '  }',
      '  chain nat_pre {', '    type nat hook prerouting priority dstnat; policy accept;', ...out.nat.map((l) => `    ${l}`), '  }', '}');
  }
  return `${text.join('\n')}\n`;
}

/** Writes the ruleset file and, in 'apply' mode with nft installed, loads it; 'check' only has nft parse it (-c). */
export class NftApplier {
  constructor(private readonly o: { file: string; mode: 'apply' | 'check' | 'off'; nft?: string }) {}

  async apply(text: string): Promise<{ loaded: boolean; error?: string }> {
    await writeFileAtomic(this.o.file, text, { mode: 0o644 });
    if (this.o.mode === 'off') return { loaded: false };
    try {
      await run(this.o.nft ?? 'nft', [...(this.o.mode === 'check' ? ['-c'] : []), '-f', this.o.file], { timeout: 30_000 });
      return { loaded: this.o.mode === 'apply' };
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string };
      if (err.code === 'ENOENT') return { loaded: false };
      return { loaded: false, error: (err.stderr || err.message).trim() };
    }
  }
}
