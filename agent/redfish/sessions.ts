import { randomBytes, randomUUID } from 'node:crypto';

export interface Session {
  id: string;
  token: string;
  username: string;
  created: number;
  lastUsed: number;
}

/**
 * Redfish sessions, in memory: a restart of the agent logs everybody out.
 * A session expires after `timeout` seconds without a request.
 */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();

  constructor(public timeout: number, readonly limit = 64, private readonly now: () => number = Date.now) {}

  /** null when the limit of open sessions is reached. */
  create(username: string): Session | null {
    this.sweep();
    if (this.byId.size >= this.limit) return null;
    const t = this.now();
    const s: Session = { id: randomUUID().replace(/-/g, ''), token: randomBytes(32).toString('base64url'), username, created: t, lastUsed: t };
    this.byToken.set(s.token, s);
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session of this token, touched; undefined when unknown or timed out. */
  use(token: string): Session | undefined {
    const s = this.byToken.get(token);
    if (!s) return undefined;
    const t = this.now();
    if (this.expired(s, t)) { this.delete(s.id); return undefined; }
    s.lastUsed = t;
    return s;
  }

  get(id: string): Session | undefined {
    const s = this.byId.get(id);
    if (s && this.expired(s, this.now())) { this.delete(id); return undefined; }
    return s;
  }

  list(): Session[] { this.sweep(); return [...this.byId.values()]; }

  delete(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    this.byId.delete(id);
    this.byToken.delete(s.token);
    return true;
  }

  /** Ends every session of a user (account deleted, disabled or its password changed). */
  deleteUser(username: string): void {
    for (const s of [...this.byId.values()]) if (s.username === username) this.delete(s.id);
  }

  expiresAt(s: Session): number { return s.lastUsed + this.timeout * 1000; }

  private expired(s: Session, t: number): boolean { return t >= this.expiresAt(s); }

  private sweep(): void {
    const t = this.now();
    for (const s of [...this.byId.values()]) if (this.expired(s, t)) this.delete(s.id);
  }
}
