import { isIP } from 'node:net';

/**
 * Pure edits of a hosts file with the exact results of Salt 3006's hosts execution module:
 * add_host and set_comment rewrite the whole file in Salt's layout (one line per address,
 * `ip<TAB><TAB>names`, comment lines kept, blank lines dropped); rm_host and set_host edit
 * the matching lines and leave the rest as it is.
 */

interface HostEntry { aliases: string[]; comment?: string }
type Entry = HostEntry | { line: string };
/** Address (or `#comment-N`) to entry, in file order, as salt.modules.hosts._list_hosts builds it. */
export type HostsTable = Map<string, Entry>;

const isHost = (e: Entry): e is HostEntry => 'aliases' in e;

/** Python's str.split() with no argument. */
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');

/** Lines with their line ends, as Python's readlines(). */
const readLines = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/));

export function parseHosts(text: string | undefined): HostsTable {
  const table: HostsTable = new Map();
  let count = 0;
  for (const raw of readLines(text ?? '')) {
    let line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) { table.set(`#comment-${count++}`, { line }); continue; }
    let comment: string | undefined;
    const hash = line.indexOf('#');
    if (hash >= 0) {
      comment = line.slice(hash + 1).trimStart();
      line = line.slice(0, hash).trim();
    }
    const [ip, ...aliases] = words(line);
    const cur = table.get(ip);
    const entry: HostEntry = cur && isHost(cur) ? cur : { aliases: [] };
    entry.aliases.push(...aliases);
    if (comment) entry.comment = comment;
    table.set(ip, entry);
  }
  return table;
}

/** Addresses with their names (salt hosts.list_hosts without the comment lines). */
export function listHosts(text: string | undefined): Map<string, HostEntry> {
  const out = new Map<string, HostEntry>();
  for (const [k, e] of parseHosts(text)) if (isHost(e)) out.set(k, e);
  return out;
}

export function getAlias(text: string | undefined, ip: string): string[] {
  return listHosts(text).get(ip)?.aliases ?? [];
}

export function hasPair(text: string | undefined, ip: string, alias: string): boolean {
  return getAlias(text, ip).includes(alias);
}

/** salt.modules.hosts._write_hosts. */
function writeHosts(table: HostsTable): string {
  let out = '';
  for (const [ip, e] of table) {
    const line = isHost(e)
      ? (e.comment !== undefined ? `${ip}\t\t${e.aliases.join(' ')}\t\t# ${e.comment}` : `${ip}\t\t${e.aliases.join(' ')}`)
      : e.line;
    if (line.trim()) out += `${line.trim()}\n`;
  }
  return out;
}

/** hosts.add_host: the name joins the address's entry (or a new one at the end); the file is rewritten. */
export function addHost(text: string | undefined, ip: string, alias: string): string {
  if (text !== undefined && hasPair(text, ip, alias)) return text;
  const table = parseHosts(text);
  const e = table.get(ip);
  if (e && isHost(e)) e.aliases.push(alias);
  else table.set(ip, { aliases: [alias] });
  return writeHosts(table);
}

/** hosts.set_comment: undefined when the address is not in the file. */
export function setComment(text: string | undefined, ip: string, comment: string): string | undefined {
  const table = parseHosts(text);
  const e = table.get(ip);
  if (!e || !isHost(e)) return undefined;
  if (e.comment === comment) return text;
  e.comment = comment;
  return writeHosts(table);
}

/** hosts.rm_host: drops the name from every line of the address; a line left without names goes. */
export function rmHost(text: string | undefined, ip: string, alias: string): string | undefined {
  if (!hasPair(text, ip, alias)) return text;
  const lines = readLines(text ?? '');
  for (let i = 0; i < lines.length; i++) {
    const tmp = lines[i].trim();
    if (!tmp || tmp.startsWith('#')) continue;
    const hash = tmp.indexOf('#');
    const info = hash >= 0 ? tmp.slice(0, hash) : tmp;
    const comment = hash >= 0 ? tmp.slice(hash + 1).split('#')[0].trimStart() : '';
    const comps = words(info);
    if (comps[0] !== ip) continue;
    // Salt's layout for an edited line: "ip<TAB><TAB>name name " (trailing space kept).
    let line = `${ip}\t\t`;
    for (const name of comps.slice(1)) if (name !== alias) line += `${name} `;
    lines[i] = line.trim() === ip ? '' : `${line}${comment ? `# ${comment}` : ''}\n`;
  }
  return lines.join('');
}

/** hosts.set_host: the address's first line becomes `ip<TAB><TAB>names`, its other lines go; empty names remove it. */
export function setHost(text: string | undefined, ip: string, names: string): string {
  const add = names.trim() ? `${ip}\t\t${names}\n` : '';
  const lines = readLines(text ?? '');
  let done = false;
  for (let i = 0; i < lines.length; i++) {
    const tmp = lines[i].trim();
    if (!tmp || tmp.startsWith('#')) continue;
    if (words(tmp)[0] === ip) {
      lines[i] = done ? '' : add;
      done = true;
    }
  }
  if (!done) {
    if (lines.length > 0 && !lines[lines.length - 1].endsWith('\n')) lines[lines.length - 1] += '\n';
    lines.push(add);
  }
  return lines.join('');
}

/** salt.utils.validate.net.ip_addr: an IPv4/IPv6 address, optionally with a prefix length. */
export function isIpAddr(addr: string): boolean {
  const [a, len, extra] = addr.split('/');
  if (extra !== undefined) return false;
  const v = isIP(a);
  if (v === 0) return false;
  if (len === undefined) return true;
  return /^\d+$/.test(len) && Number(len) <= (v === 4 ? 32 : 128);
}
