import { randomBytes, randomUUID } from 'node:crypto';

export interface Session {
  id: string;
  token: string;
  /** The account's name when the session was made (for display; the session belongs to accountId). */
  username: string;
  accountId: string;
  /** The account's credential generation when the session was made (accounts.ts). */
  generation: string;
  created: number;
  lastUsed: number;
}

/** What a session is bound to: the account's id and credential generation. */
export interface SessionOwner { id: string; username: string; generation?: string }

export interface SessionLimits {
  /** Open sessions in all (default 64). */
  total: number;
  /** Open sessions of one account (default 8): one user cannot take every session there is. */
  perAccount: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { total: 64, perAccount: 8 };

/**
 * Redfish sessions, in memory: a restart of the agent logs everybody out.
 * A session expires after `timeout` seconds without a request, and is bound to
 * its account's id and credential generation: once the account is gone or its
 * generation changed (password, role, name, enabled), the session is dead.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();

  constructor(public timeout: number, readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS, private readonly now: () => number = Date.now) {}

  /**
   * A new session of `owner`, or which limit stops it. `alive` tells whether an
   * existing session's account still has its generation: dead ones are dropped
   * first, so they hold no place.
   */
  create(owner: SessionOwner, alive: (s: Session) => boolean): Session | 'total' | 'account' {
    this.sweep(alive);
    if (this.byId.size >= this.limits.total) return 'total';
    let mine = 0;
    for (const s of this.byId.values()) if (s.accountId === owner.id) mine++;
    if (mine >= this.limits.perAccount) return 'account';
    const t = this.now();
    const s: Session = {
      id: randomUUID().replace(/-/g, ''), token: randomBytes(32).toString('base64url'), username: owner.username,
      accountId: owner.id, generation: owner.generation ?? '', created: t, lastUsed: t,
    };
    this.byToken.set(s.token, s);
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session of this token, touched; undefined (and the session ended) when unknown, timed out or no longer `alive`. */
  use(token: string, alive: (s: Session) => boolean): Session | undefined {
    const s = this.byToken.get(token);
    if (!s) return undefined;
    const t = this.now();
    if (this.expired(s, t) || !alive(s)) { this.delete(s.id); return undefined; }
    s.lastUsed = t;
    return s;
  }

  /** The open sessions; with `alive`, those whose account changed are ended first. */
  list(alive?: (s: Session) => boolean): Session[] { this.sweep(alive); return [...this.byId.values()]; }

  delete(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    this.byId.delete(id);
    this.byToken.delete(s.token);
    return true;
  }

  /** Ends every session of an account (deleted, disabled, renamed, or its password or role changed). */
  deleteAccount(accountId: string): void {
    for (const s of [...this.byId.values()]) if (s.accountId === accountId) this.delete(s.id);
  }

  expiresAt(s: Session): number { return s.lastUsed + this.timeout * 1000; }

  private expired(s: Session, t: number): boolean { return t >= this.expiresAt(s); }

  private sweep(alive?: (s: Session) => boolean): void {
    const t = this.now();
    for (const s of [...this.byId.values()]) if (this.expired(s, t) || (alive && !alive(s))) this.delete(s.id);
  }
}
