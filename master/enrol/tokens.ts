import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { UmecError } from '../../lib/errors.js';
import { JsonStore } from '../../lib/json-store.js';
import { Serial } from '../../lib/serial.js';

/** What is kept of a token: never the token itself, only its SHA-256. */
export interface TokenRecord {
  /** Public part of the token (its second field), for list and revoke. */
  id: string;
  hash: string;
  created: string;
  /** ISO time after which the token is refused. */
  expires: string;
  /** How many boxes may enrol with it. */
  uses: number;
  used_by: string[];
  /** CURVE public keys of those agents, in the same order: a used token re-admits only the same key. */
  used_keys: string[];
  /** Grains preset for a box enrolled with this token. */
  grains: Record<string, string>;
  revoked?: string;
  comment?: string;
}

export type TokenView = Omit<TokenRecord, 'hash' | 'used_keys'> & { status: 'valid' | 'expired' | 'used' | 'revoked' };

export type Redeemed =
  | { ok: true; token: string; grains: Record<string, string> }
  | { ok: false; reason: string };

const TOKEN = /^umec_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** `30s`, `15m`, `24h`, `7d`, or combinations like `1h30m`, in seconds. */
export function parseTtl(s: string): number {
  const t = s.trim();
  const parts = [...t.matchAll(/(\d+)\s*([smhd])/g)];
  if (!t || !parts.length || parts.map((p) => p[0]).join('') !== t.replace(/\s+/g, '')) {
    throw new UmecError('USAGE', { reason: `--ttl must be a duration like 30m, 24h or 7d, got ${JSON.stringify(s)}` });
  }
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
  const secs = parts.reduce((n, p) => n + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
  if (secs <= 0) throw new UmecError('USAGE', { reason: '--ttl must be longer than 0s' });
  return secs;
}

/** `role=camera` pairs into a grains object. */
export function parseGrainPairs(pairs: string[], what = '--grains'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(p);
    if (!m) throw new UmecError('USAGE', { reason: `${what} takes key=value, got ${JSON.stringify(p)}` });
    if (m[1] === 'id') throw new UmecError('USAGE', { reason: 'the id grain cannot be preset by a token' });
    out[m[1]] = m[2]!;
  }
  return out;
}

/**
 * Enrolment tokens on the master (tokens.json in data_dir, written atomically).
 * A token is `umec_<id>_<secret>` with 256 random bits of secret; only its
 * SHA-256 is stored and compared in constant time. Redeeming records the use
 * on disk before the caller accepts a key, so a crash never lets a
 * single-use token in twice.
 */
export class TokenStore {
  private records: TokenRecord[] = [];
  private readonly lock = new Serial();
  private readonly staticHashes: Buffer[];

  private constructor(private readonly file: JsonStore<{ tokens: TokenRecord[] }>, staticTokens: readonly string[]) {
    this.staticHashes = staticTokens.map(sha256);
  }

  static async open(dataDir: string, staticTokens: readonly string[] = []): Promise<TokenStore> {
    // never start over on a damaged file: that would silently drop every token's use count
    const file = new JsonStore<{ tokens: TokenRecord[] }>(join(dataDir, 'tokens.json'), {
      what: 'token store', hint: 'restore it or remove it to drop all tokens', indent: 1,
      check: (v) => {
        if (!Array.isArray((v as { tokens?: unknown } | null)?.tokens)) throw new Error('no "tokens" list');
        return v as { tokens: TokenRecord[] };
      },
    });
    const s = new TokenStore(file, staticTokens);
    s.records = ((await file.read())?.tokens ?? []).map((r) => ({ ...r, used_keys: r.used_keys ?? [] }));
    return s;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run(fn);
  }

  private save(): Promise<void> {
    return this.file.write({ tokens: this.records });
  }

  /** Makes a token; the returned string is shown once and never stored. */
  create(o: { ttlSeconds: number; uses: number; grains?: Record<string, string>; comment?: string; now?: Date }): Promise<{ token: string; record: TokenView }> {
    if (!Number.isInteger(o.uses) || o.uses < 1 || o.uses > 100_000) throw new UmecError('USAGE', { reason: '--uses must be a whole number from 1 to 100000' });
    if (!(o.ttlSeconds > 0 && o.ttlSeconds <= 366 * 86_400)) throw new UmecError('USAGE', { reason: '--ttl must be between 1s and 366d' });
    return this.serial(async () => {
      let id: string;
      do { id = randomBytes(4).toString('hex'); } while (this.records.some((r) => r.id === id));
      const token = `umec_${id}_${randomBytes(32).toString('base64url')}`;
      const now = o.now ?? new Date();
      const rec: TokenRecord = {
        id, hash: sha256(token).toString('hex'), created: now.toISOString(),
        expires: new Date(now.getTime() + o.ttlSeconds * 1000).toISOString(),
        uses: o.uses, used_by: [], used_keys: [], grains: o.grains ?? {}, ...(o.comment ? { comment: o.comment } : {}),
      };
      this.records.push(rec);
      await this.save();
      return { token, record: this.view(rec, now) };
    });
  }

  private view(r: TokenRecord, now = new Date()): TokenView {
    const { hash: _h, used_keys: _k, ...rest } = r;
    const status = r.revoked ? 'revoked' : r.used_by.length >= r.uses ? 'used' : Date.parse(r.expires) <= now.getTime() ? 'expired' : 'valid';
    return { ...structuredClone(rest), status };
  }

  /**
   * The grains preset by every token agent `agentId` enrolled with under `publicKey` (later
   * tokens win): what the master itself decided about the box, unlike the grains it claims.
   */
  presetGrains(agentId: string, publicKey: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.records) {
      if (r.used_by.some((u, i) => u === agentId && r.used_keys[i] === publicKey)) Object.assign(out, r.grains);
    }
    return out;
  }

  list(now = new Date()): TokenView[] {
    return this.records.map((r) => this.view(r, now));
  }

  /** Revokes by token id (or the whole token); false when unknown. */
  revoke(idOrToken: string, now = new Date()): Promise<boolean> {
    const id = TOKEN.exec(idOrToken)?.[1] ?? idOrToken;
    return this.serial(async () => {
      const r = this.records.find((x) => x.id === id);
      if (!r) return false;
      if (!r.revoked) {
        r.revoked = now.toISOString();
        await this.save();
      }
      return true;
    });
  }

  /**
   * Checks a token for agent `agentId` and, when it is good, records the use
   * durably. An agent that already used this token (a retry after a crash)
   * redeems it again without another use. `consume: false` only looks.
   */
  redeem(token: string, agentId: string, publicKey: string, now = new Date(), o: { consume?: boolean } = {}): Promise<Redeemed> {
    return this.serial(async () => {
      const given = sha256(token);
      if (this.staticHashes.some((h) => timingSafeEqual(h, given))) return { ok: true, token: 'autosign_tokens', grains: {} };
      const m = TOKEN.exec(token);
      const r = m ? this.records.find((x) => x.id === m[1]) : undefined;
      // same work whether or not the id is known: compare against something either way
      const stored = r ? Buffer.from(r.hash, 'hex') : sha256('\0');
      if (!timingSafeEqual(stored, given) || !r) return { ok: false, reason: m ? 'invalid token' : 'malformed token' };
      if (r.revoked) return { ok: false, reason: `token ${r.id} was revoked at ${r.revoked}` };
      const mine = r.used_by.findIndex((u, i) => u === agentId && r.used_keys[i] === publicKey);
      if (mine >= 0) return { ok: true, token: r.id, grains: r.grains };
      // an already accepted key only learns its grains again; it never takes a use
      if (o.consume === false) return { ok: false, reason: 'token not used by this agent' };
      if (Date.parse(r.expires) <= now.getTime()) return { ok: false, reason: `token ${r.id} expired at ${r.expires}` };
      if (r.used_by.length >= r.uses) return { ok: false, reason: `token ${r.id} already used (by ${r.used_by.join(', ')})` };
      r.used_by.push(agentId);
      r.used_keys.push(publicKey);
      try {
        await this.save();
      } catch (e) {
        r.used_by.pop();
        r.used_keys.pop();
        throw e;
      }
      return { ok: true, token: r.id, grains: r.grains };
    });
  }
}
