import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where nobody's notification callback may point unless the operator allows it (agent.yaml
 * mp1.notify.allow): the box itself, link-local and cloud metadata addresses, and addresses
 * that are not one host. An app could otherwise make the agent POST to a local service (the
 * container runtime's TCP port, the Redfish or Mp1 server) or to 169.254.169.254.
 */
const DENIED: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['169.254.169.254', 32, 'ipv4', 'cloud metadata'],
  ['100.100.100.200', 32, 'ipv4', 'cloud metadata'],
  ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata'],
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved or broadcast'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 96, 'ipv6', 'unspecified or IPv4-compatible'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, `::ffff:7f00:1`) as the IPv4 address it is; others unchanged. */
function unmapped(address: string): string {
  const a = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted && isIP(dotted[1]) === 4) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const [h, l] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return `${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`;
  }
  return address;
}

const family = (a: string): 'ipv4' | 'ipv6' => (isIP(a) === 4 ? 'ipv4' : 'ipv6');

export class CallbackPolicy {
  private readonly allowed = new BlockList();
  private readonly denied: Array<[BlockList, string]> = [];

  /** `allow`: addresses or CIDR prefixes (`127.0.0.1`, `10.1.0.0/16`, `::1`) callbacks may reach even when denied by default. */
  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const [addr, len] = entry.split('/');
      const f = isIP(addr);
      if (!f || (len !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(len))) throw new Error(`mp1.notify.allow: ${JSON.stringify(entry)} is not an address or prefix`);
      const t = f === 4 ? 'ipv4' : 'ipv6';
      if (len === undefined) this.allowed.addAddress(addr, t);
      else this.allowed.addSubnet(addr, Number(len), t);
    }
    for (const [net, prefix, t, why] of DENIED) {
      const b = new BlockList();
      b.addSubnet(net, prefix, t);
      this.denied.push([b, why]);
    }
  }

  /** Why a callback may not reach `address`, or undefined when it may. */
  denies(address: string): string | undefined {
    const a = unmapped(address.replace(/^\[|\]$/g, ''));
    if (!isIP(a)) return 'not an IP address';
    if (this.allowed.check(a, family(a))) return undefined;
    return this.denied.find(([b]) => b.check(a, family(a)))?.[1];
  }

  /**
   * Checks a callback URL when it is registered: an IP host directly, a name by resolving it
   * (every address it resolves to must be allowed). A name that does not resolve now is
   * taken: delivery resolves it again and refuses a denied address then.
   */
  async check(url: string): Promise<string | undefined> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return this.explain(host, url);
    const addrs = await new Promise<LookupAddress[]>((resolve) => dnsLookup(host, { all: true }, (err, a) => resolve(err ? [] : a)));
    for (const { address } of addrs) {
      const why = this.explain(address, url);
      if (why) return why;
    }
    return undefined;
  }

  private explain(address: string, url: string): string | undefined {
    const why = this.denies(address);
    return why && `callbackReference ${JSON.stringify(url).slice(0, 200)} reaches ${address}, a ${why} address, which callbacks may not reach (an operator allows it with mp1.notify.allow in agent.yaml)`;
  }

  /**
   * A `lookup` for node's HTTP client: resolves like dns.lookup and fails with EDENIED when an
   * address is denied, so a name that changed its answer after the check (DNS rebinding) is
   * still refused at connect time.
   */
  readonly lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addrs) => {
      if (err) { cb(err, ''); return; }
      const bad = addrs.find((a) => this.denies(a.address));
      if (bad) {
        cb(Object.assign(new Error(`${hostname} resolves to ${bad.address}, a ${this.denies(bad.address)} address callbacks may not reach`), { code: 'EDENIED' }), '');
        return;
      }
      if ((options as LookupAllOptions).all) cb(null, addrs);
      else cb(null, addrs[0].address, addrs[0].family);
    });
  };
}
