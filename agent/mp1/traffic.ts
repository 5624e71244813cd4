import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

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
const protocolOf = (p: string): string | undefined => (Object.hasOwn(PROTOCOLS, p.toUpperCase()) ? PROTOCOLS[p.toUpperCase()] : undefined);
const PORTED = new Set(['tcp', 'udp', 'sctp']);
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** A decimal number as written by a program: no sign, no spaces, no leading zeros. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;

type Family = 4 | 6;

/** One IP address, exactly: no spaces, no IPv6 zone (`%eth0`). */
function ipFamily(a: string): Family | undefined {
  if (a.includes('%')) return undefined;
  const f = isIP(a);
  return f === 4 || f === 6 ? f : undefined;
}

/** An address as a number, for ordering the two ends of a range. */
function ipValue(a: string, f: Family): bigint {
  if (f === 4) return a.split('.').reduce((n, x) => (n << 8n) + BigInt(Number(x)), 0n);
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const words = (s: string | undefined) => (s ? s.split(':') : []).flatMap((w) => {
    if (!w.includes('.')) return [parseInt(w, 16)];
    const v = Number(ipValue(w, 4));
    return [v >>> 16, v & 0xffff];
  });
  const h = words(head);
  const t = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.reduce((n, w) => (n << 16n) + BigInt(w), 0n);
}

/**
 * An address, prefix (`a/len`) or range (`a-b`, low to high) of one family, written exactly:
 * no spaces or control characters anywhere (they would reach the nft file), or undefined.
 */
export function addressFamily(a: string): Family | undefined {
  if (typeof a !== 'string' || !/^[0-9A-Fa-f.:/-]+$/.test(a)) return undefined;
  const range = a.split('-');
  if (range.length === 2) {
    const [f1, f2] = [ipFamily(range[0]), ipFamily(range[1])];
    return f1 && f1 === f2 && ipValue(range[0], f1) <= ipValue(range[1], f1) ? f1 : undefined;
  }
  if (range.length > 2) return undefined;
  const [ip, len, more] = a.split('/');
  const f = ipFamily(ip ?? '');
  if (!f || more !== undefined) return undefined;
  if (len === undefined) return f;
  return DECIMAL.test(len) && Number(len) <= (f === 4 ? 32 : 128) ? f : undefined;
}

function validPort(p: string): boolean {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(p);
  if (!m || !DECIMAL.test(m[1]) || (m[2] !== undefined && !DECIMAL.test(m[2]))) return false;
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
      (f[k] ?? []).forEach((a, j) => { if (!ipFamily(a)) errs.push(`${at}.${k}[${j}]: ${JSON.stringify(a)} is not an IP address`); });
    }
    for (const k of ['srcPort', 'dstPort', 'srcTunnelPort', 'dstTunnelPort'] as const) {
      (f[k] ?? []).forEach((p, j) => { if (!validPort(p)) errs.push(`${at}.${k}[${j}]: ${JSON.stringify(p)} is not a port or port range (0-65535)`); });
    }
    (f.protocol ?? []).forEach((p, j) => {
      if (!protocolOf(p)) errs.push(`${at}.protocol[${j}]: unknown protocol ${JSON.stringify(p)} (known: ${Object.keys(PROTOCOLS).join(', ')})`);
    });
    if (f.dSCP !== undefined && !(Number.isInteger(f.dSCP) && f.dSCP >= 0 && f.dSCP <= 63)) errs.push(`${at}.dSCP: must be 0-63`);
    if (f.qCI !== undefined && !(Number.isInteger(f.qCI) && f.qCI >= 1 && f.qCI <= 255)) errs.push(`${at}.qCI: must be 1-255`);
    if (f.tC !== undefined && !(Number.isInteger(f.tC) && f.tC >= 0 && f.tC <= 255)) errs.push(`${at}.tC: must be 0-255`);
  });
  const d = r.dstInterface;
  if (d) {
    if (d.dstIpAddress !== undefined && !ipFamily(d.dstIpAddress)) errs.push(`dstInterface.dstIpAddress: ${JSON.stringify(d.dstIpAddress)} is not an IP address`);
    for (const k of ['srcMacAddress', 'dstMacAddress'] as const) if (d[k] !== undefined && !MAC.test(d[k])) errs.push(`dstInterface.${k}: ${JSON.stringify(d[k])} is not a MAC address`);
    for (const k of ['tunnelDstAddress', 'tunnelSrcAddress'] as const) {
      const a = d.tunnelInfo?.[k];
      if (a !== undefined && !ipFamily(a)) errs.push(`dstInterface.tunnelInfo.${k}: ${JSON.stringify(a)} is not an IP address`);
    }
  }
  if (r.priority > 255) errs.push('priority: must be 0-255 (0 is the highest)');
  return errs;
}

const set = (xs: string[]) => (xs.length === 1 ? xs[0] : `{ ${xs.join(', ')} }`);

interface Rendered { filter: string[]; nat: string[] }

/** nft rules for one filter in one family; [] when the filter's addresses name only the other family. */
function filterMatches(f: TrafficFilter, fam: Family): string | undefined {
  const ipk = fam === 4 ? 'ip' : 'ip6';
  const parts: string[] = [];
  for (const [k, dir] of [['srcAddress', 'saddr'], ['dstAddress', 'daddr']] as const) {
    const all = f[k] ?? [];
    const mine = all.filter((a) => addressFamily(a) === fam);
    if (all.length && !mine.length) return undefined;
    if (mine.length) parts.push(`${ipk} ${dir} ${set(mine)}`);
  }
  const protos = [...new Set((f.protocol ?? []).map(protocolOf).filter((p): p is string => p !== undefined))]
    .filter((p) => (fam === 4 ? p !== 'ipv6-icmp' : p !== 'icmp'));
  const hasPorts = (f.srcPort?.length ?? 0) + (f.dstPort?.length ?? 0) > 0;
  const l4 = hasPorts ? (protos.length ? protos.filter((p) => PORTED.has(p)) : ['tcp', 'udp', 'sctp']) : protos;
  if (f.protocol?.length && !l4.length) return undefined;
  if (l4.length) parts.push(`meta l4proto ${set(l4)}`);
  if (f.srcPort?.length) parts.push(`th sport ${set(f.srcPort)}`);
  if (f.dstPort?.length) parts.push(`th dport ${set(f.dstPort)}`);
  if (f.dSCP !== undefined) parts.push(`${ipk} dscp ${f.dSCP}`);
  return parts.join(' ');
}

const UNENFORCED = ['token', 'srcTunnelAddress', 'tgtTunnelAddress', 'srcTunnelPort', 'dstTunnelPort', 'qCI', 'tC'] as const;

/** Text safe inside an nft comment or `#` line: printable ASCII without quotes or backslashes. */
const safeText = (s: string) => s.replace(/[^A-Za-z0-9._:/@+=,-]/g, '_');

function renderRule(app: string, r: TrafficRule, fam: Family, out: Rendered): void {
  const tag = safeText(`${app}/${r.trafficRuleId}`);
  const dst = r.dstInterface?.interfaceType === 'IP' ? r.dstInterface.dstIpAddress : undefined;
  r.trafficFilter.forEach((f, i) => {
    const m = filterMatches(f, fam);
    if (m === undefined) return;
    const suffix = `#${i} prio ${r.priority}`;
    // nft keeps comments up to 128 bytes: a long tag is cut, with a hash so cut tags stay apart
    const short = tag.length + suffix.length <= 120 ? tag : `${tag.slice(0, 100 - suffix.length)}~${createHash('sha256').update(tag).digest('hex').slice(0, 8)}`;
    const comment = `comment "${short}${suffix}"`;
    const note = UNENFORCED.filter((k) => f[k] !== undefined);
    if (note.length) out.filter.push(`# ${tag}#${i}: not enforced by nftables on this box: ${note.join(', ')}`);
    const match = m ? `${m} ` : '';
    switch (r.action) {
      case 'DROP': out.filter.push(`${match}counter drop ${comment}`); break;
      case 'PASSTHROUGH': out.filter.push(`${match}counter accept ${comment}`); break;
      case 'FORWARD_DECAPSULATED': case 'FORWARD_ENCAPSULATED':
        if (dst && ipFamily(dst) === fam) out.nat.push(`${match}counter dnat to ${fam === 6 ? `[${dst}]` : dst} ${comment}`);
        else out.filter.push(`# ${tag}#${i}: ${r.action} needs an IP dstInterface of this family; not rendered`);
        break;
      case 'DUPLICATE_DECAPSULATED': case 'DUPLICATE_ENCAPSULATED':
        if (dst && ipFamily(dst) === fam) out.filter.push(`${match}counter dup to ${dst} ${comment}`);
        else out.filter.push(`# ${tag}#${i}: ${r.action} needs an IP dstInterface of this family; not rendered`);
        break;
    }
  });
}

/** The prefix of every table umec loads; `umec_mp1` alone is the one shared table of earlier versions. */
export const TABLE_PREFIX = 'umec_mp1';

/** The nft table of one app instance: readable, and unique by a hash of the whole id. */
export function appTableName(app: string): string {
  return `${TABLE_PREFIX}_${app.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_${createHash('sha256').update(app).digest('hex').slice(0, 10)}`;
}

const replaceTable = (fam: 'ip' | 'ip6', name: string) => [`table ${fam} ${name}`, `delete table ${fam} ${name}`];

/**
 * One app instance's tables (an `ip` and an `ip6` one), each replaced whole, so the text is
 * loadable on its own and loading it twice changes nothing. ACTIVE rules in priority order
 * (0 first, as in MEC 010-2), ties by rule id. A stored rule that fails checkTrafficRule (one
 * kept from before the checks were strict) is left out with a note: stored text never reaches
 * nft unchecked.
 */
export function renderAppTables(app: string, rules: TrafficRule[]): string {
  const name = appTableName(app);
  const text = [`# app instance ${safeText(app)}`];
  const good: TrafficRule[] = [];
  for (const r of rules) {
    const problems = checkTrafficRule(r);
    if (problems.length) text.push(`# ${safeText(`${app}/${r.trafficRuleId}`)}: not rendered, invalid: ${safeText(problems[0]).slice(0, 200)}`);
    else good.push(r);
  }
  const active = good.filter((r) => r.state === 'ACTIVE').sort((a, b) => a.priority - b.priority || a.trafficRuleId.localeCompare(b.trafficRuleId));
  for (const fam of [4, 6] as const) {
    const out: Rendered = { filter: [], nat: [] };
    for (const r of active) renderRule(app, r, fam, out);
    const t = fam === 4 ? 'ip' : 'ip6';
    text.push(...replaceTable(t, name), `table ${t} ${name} {`,
      '  chain filter_pre {', '    type filter hook prerouting priority -150; policy accept;', ...out.filter.map((l) => `    ${l}`), '  }',
      '  chain nat_pre {', '    type nat hook prerouting priority dstnat; policy accept;', ...out.nat.map((l) => `    ${l}`), '  }', '}');
  }
  return `${text.join('\n')}\n`;
}

/** Rules grouped by app instance, in app order. */
export function rulesByApp(rules: Array<{ appInstanceId: string; rule: TrafficRule }>): Map<string, TrafficRule[]> {
  const by = new Map<string, TrafficRule[]>();
  for (const r of [...rules].sort((a, b) => a.appInstanceId.localeCompare(b.appInstanceId))) {
    by.set(r.appInstanceId, [...(by.get(r.appInstanceId) ?? []), r.rule]);
  }
  return by;
}

/**
 * The complete nftables ruleset for all traffic rules: the shared table of earlier versions
 * removed, tables of apps no longer present (`gone`, by table name) removed, then one pair of
 * tables per app instance (renderAppTables). One app's rules live in its own tables, so they
 * cannot shadow, break or block another app's.
 */
export function renderNftRuleset(rules: Array<{ appInstanceId: string; rule: TrafficRule }>, gone: string[] = []): string {
  const text = ['# written by the umec agent from Mp1 traffic rules; do not edit'];
  for (const name of [TABLE_PREFIX, ...gone.filter((g) => g.startsWith(`${TABLE_PREFIX}_`) && /^[A-Za-z0-9_]+$/.test(g))]) {
    text.push(...replaceTable('ip', name), ...replaceTable('ip6', name));
  }
  return `${text.join('\n')}\n${[...rulesByApp(rules)].map(([app, rs]) => renderAppTables(app, rs)).join('')}`;
}
