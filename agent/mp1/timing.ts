import { access, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** Unix time split as MEC 011 wants it, from the high-resolution clock. */
export function nowParts(): { seconds: number; nanoSeconds: number } {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  return { seconds: Number(ns / 1_000_000_000n), nanoSeconds: Number(ns % 1_000_000_000n) };
}

/** systemd-timesyncd (and chrony's timedatectl integration) mark a synchronised clock with this file. */
export async function currentTime(syncFlag = '/run/systemd/timesync/synchronized'): Promise<Record<string, unknown>> {
  const traceable = await access(syncFlag).then(() => true, () => false);
  return { ...nowParts(), timeSourceStatus: traceable ? 'TRACEABLE' : 'NONTRACEABLE' };
}

/** NTP servers named in chrony's or timesyncd's configuration. */
export async function configuredNtpServers(files = ['/etc/chrony/chrony.conf', '/etc/chrony.conf', '/etc/systemd/timesyncd.conf', '/etc/ntp.conf', '/etc/ntpsec/ntp.conf']): Promise<Array<{ addr: string; minpoll?: number; maxpoll?: number }>> {
  const out: Array<{ addr: string; minpoll?: number; maxpoll?: number }> = [];
  for (const f of files) {
    let text: string;
    try { text = await readFile(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').map((l) => l.replace(/#.*/, '').trim())) {
      const m = /^(?:server|pool)\s+(\S+)(.*)$/.exec(line);
      if (m) {
        const opt = (k: string) => { const x = new RegExp(`\\b${k}\\s+(-?\\d+)`).exec(m[2]); return x ? Number(x[1]) : undefined; };
        out.push({ addr: m[1], minpoll: opt('minpoll'), maxpoll: opt('maxpoll') });
      }
      const t = /^(?:NTP|FallbackNTP)\s*=\s*(.*)$/.exec(line);
      if (t) for (const a of t[1].split(/\s+/).filter(Boolean)) out.push({ addr: a });
    }
  }
  return out;
}

export async function timingCaps(servers: () => Promise<Array<{ addr: string; minpoll?: number; maxpoll?: number }>> = () => configuredNtpServers()): Promise<Record<string, unknown>> {
  const ntpServers = (await servers()).map((s, i) => ({
    ntpServerAddrType: isIP(s.addr) ? 'IP_ADDRESS' : 'DNS_NAME', ntpServerAddr: s.addr,
    // polling intervals are log2 seconds, as chrony/ntpd write them (defaults 6 and 10)
    minPollingInterval: clampPoll(s.minpoll ?? 6), maxPollingInterval: clampPoll(s.maxpoll ?? 10),
    localPriority: i + 1, authenticationOption: 'NONE', authenticationKeyNum: 0,
  }));
  return { timeStamp: nowParts(), ntpServers };
}

/** MEC 011 allows polling intervals 2^3 to 2^17 seconds. */
const clampPoll = (n: number) => Math.min(17, Math.max(3, n));
