import { createHash, getHashes } from 'node:crypto';

/**
 * Pure parts of salt.modules.ssh for authorized_keys files: key types, line format,
 * fingerprints (keys are matched by their base64 blob), and the edits set_auth_key and
 * rm_auth_key make to the file's text.
 */

export class SshError extends Error {}

const ALSO_ALLOWED = ['rsa-sha2-512', 'rsa-sha2-256', 'rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com',
  'ssh-rsa-cert-v01@openssh.com', 'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'sk-ssh-ed25519-cert-v01@openssh.com'];

/** ssh._refine_enc: short names to OpenSSH key types. */
export function refineEnc(enc: string): string {
  if (['r', 'rsa', 'ssh-rsa'].includes(enc)) return 'ssh-rsa';
  if (['d', 'dsa', 'dss', 'ssh-dss'].includes(enc)) return 'ssh-dss';
  if (['e', 'ecdsa'].includes(enc)) return 'ecdsa-sha2-nistp256';
  if (['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp256'].includes(enc)) return enc;
  if (['ed25519', 'ssh-ed25519'].includes(enc)) return 'ssh-ed25519';
  if (ALSO_ALLOWED.includes(enc)) return enc;
  throw new SshError(`Incorrect encryption key type '${enc}'.`);
}

/** ssh._format_auth_line (Salt keeps the space before an empty comment). */
export function formatAuthLine(key: string, enc: string, comment: string, options: string[]): string {
  return `${options.length > 0 ? `${options.join(',')} ` : ''}${enc} ${key} ${comment}\n`;
}

/** ssh._fingerprint: colon-separated hash of the decoded blob; undefined when it is not strict base64. */
export function fingerprint(key: string, hashType?: string | null): string | undefined {
  const type = (hashType || 'sha256').toLowerCase();
  if (!getHashes().includes(type)) throw new SshError(`The fingerprint_hash_type ${type} is not supported.`);
  if (key.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(key)) return undefined;
  const hex = createHash(type).update(Buffer.from(key, 'base64')).digest('hex');
  return hex.match(/../g)!.join(':');
}

export interface AuthKey { enc: string; comment: string; options: string[]; fingerprint: string }

const LINE_RE = /^(.*?)\s?((?:sk-)?(?:ssh-|ecds)[\w@.-]+\s.+)$/;

/** Non-empty, stripped lines with a newline, as Salt reads key files. */
function keyLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => `${l}\n`);
}

/** ssh._validate_keys: the keys of an authorized_keys text, by blob. */
export function validateKeys(text: string | undefined, hashType?: string | null): Map<string, AuthKey> {
  const out = new Map<string, AuthKey>();
  for (const line of keyLines(text ?? '')) {
    if (line.startsWith('#')) continue;
    const m = LINE_RE.exec(line.slice(0, -1));
    if (!m) continue;
    const comps = m[2].split(/\s+/).filter((c) => c !== '');
    if (comps.length < 2) continue;
    const fp = fingerprint(comps[1], hashType);
    if (fp === undefined) continue;
    out.set(comps[1], { enc: comps[0], comment: comps.slice(2).join(' '), options: m[1] ? m[1].split(',') : [], fingerprint: fp });
  }
  return out;
}

export type CheckStatus = 'add' | 'update' | 'exists';

/** ssh.check_key: compares the formatted lines. */
export function checkKey(current: Map<string, AuthKey>, key: string, enc: string, comment: string, options: string[]): CheckStatus {
  const cur = current.get(key);
  if (!cur) return 'add';
  return formatAuthLine(key, cur.enc, cur.comment, cur.options) === formatAuthLine(key, refineEnc(enc), comment, options) ? 'exists' : 'update';
}

const REPLACE_RE = /((.*)\s)?((?:sk-)?(?:ssh|ecdsa)-[a-z0-9@.-]+)\s([a-zA-Z0-9+/]+={0,2})(\s(.*))?/;

/** ssh._replace_auth_key: every line holding the key becomes the new line; empty lines go. */
export function replaceAuthKey(text: string, key: string, line: string): string {
  return keyLines(text).map((l) => {
    if (l.startsWith('#')) return l;
    const m = REPLACE_RE.exec(l);
    return m && m[4] === key ? line : l;
  }).join('');
}

/** The append of set_auth_key: a newline first when the file does not end with one. */
export function appendAuthLine(text: string | undefined, line: string): string {
  if (text === undefined || text === '') return line;
  return `${text.endsWith('\n') ? text : `${text}\n`}${line}`;
}

/** ssh.rm_auth_key's rewrite: lines holding the key go, so do empty and unparsable ones. */
export function removeAuthKey(text: string, key: string): string {
  const out: string[] = [];
  for (const l of keyLines(text)) {
    if (l.startsWith('#')) { out.push(l); continue; }
    const m = LINE_RE.exec(l.slice(0, -1));
    if (!m) continue;
    const comps = m[2].split(/\s+/).filter((c) => c !== '');
    if (comps.length < 2) { out.push(l); continue; }
    if (comps[1] === key) continue;
    out.push(l);
  }
  return out.join('');
}

/** How ssh_auth reads its name: `[options] enc key [comment]` or `key [comment]`. */
export function parseName(name: string, d: { enc: string; comment: string; options: string[] }, maxSplit: boolean): { key: string; enc: string; comment: string; options: string[] } {
  const m = /^(.*?)\s?((?:ssh-|ecds)[\w-]+\s.+)$/.exec(name);
  if (!m) {
    const t = name.trim();
    const sp = t.search(/\s/);
    if (sp < 0) return { ...d, key: t };
    return { ...d, key: t.slice(0, sp), comment: t.slice(sp).trim() };
  }
  const options = m[1] ? m[1].split(',') : d.options;
  const comps = m[2].split(/\s+/).filter((c) => c !== '');
  // present splits at most twice (the comment keeps its spaces); absent splits on every space.
  const comment = maxSplit ? (comps.length >= 3 ? comps.slice(2).join(' ') : d.comment) : (comps.length === 3 ? comps[2] : d.comment);
  return { key: comps[1], enc: comps[0], comment, options };
}

/** sshd's AuthorizedKeysFile tokens: %% %u %h. */
export function expandConfigPath(path: string, user: string, home: string): string {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c !== '%') { out += c; continue; }
    const n = path[++i];
    if (n === undefined) throw new SshError("AuthorizedKeysFile path: Last character can't be escape character");
    if (n === '%') out += '%';
    else if (n === 'u') out += user;
    else if (n === 'h') out += home;
    else throw new SshError(`AuthorizedKeysFile path: unknown token character "%${n}"`);
  }
  return out;
}
