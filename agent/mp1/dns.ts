import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

export interface DnsRule { dnsRuleId: string; domainName: string; ipAddressType: 'IP_V4' | 'IP_V6'; ipAddress: string; ttl?: number; state: 'ACTIVE' | 'INACTIVE' }

/** The hosts-file text for the ACTIVE rules (dnsmasq addn-hosts format), sorted so equal rule sets give equal files. */
export function renderHosts(rules: Array<{ appInstanceId: string; rule: DnsRule }>): string {
  const lines = rules.filter((r) => r.rule.state === 'ACTIVE')
    .map((r) => `${r.rule.ipAddress}\t${r.rule.domainName}\t# ${r.appInstanceId}/${r.rule.dnsRuleId}`)
    .sort();
  return `# written by the umec agent from Mp1 DNS rules; do not edit\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

/**
 * Makes DNS rules take effect: writes the hosts file dnsmasq reads (addn-hosts)
 * and sends dnsmasq SIGHUP, which makes it re-read it, when its pid file names
 * a running process.
 */
export class DnsApplier {
  constructor(private readonly o: { hostsFile: string; pidFile: string; kill?: (pid: number, sig: NodeJS.Signals) => void }) {}

  async apply(text: string): Promise<{ reloaded: boolean }> {
    let cur: string | undefined;
    try { cur = await readFile(this.o.hostsFile, 'utf8'); } catch { /* first write */ }
    if (cur === text) return { reloaded: false };
    await writeFileAtomic(this.o.hostsFile, text, { mode: 0o644 });
    let pid: number;
    try { pid = Number.parseInt((await readFile(this.o.pidFile, 'utf8')).trim(), 10); } catch { return { reloaded: false }; }
    if (!(pid > 1)) return { reloaded: false };
    try { (this.o.kill ?? process.kill)(pid, 'SIGHUP'); return { reloaded: true }; } catch { return { reloaded: false }; }
  }
}
