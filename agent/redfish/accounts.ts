import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { JsonStore } from '../../lib/json-store.js';
import { isNotFound, UmecError } from '../../lib/errors.js';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.js';
import { ROLE_IDS, type RoleId } from './roles.js';
import { Serial } from '../../lib/serial.js';

export interface Account {
  id: string;
  username: string;
  role: RoleId;
  enabled: boolean;
  /** scrypt hash, see passwords.ts; the password itself is never stored. */
  hash: string;
  /**
   * Credential generation: a random value made anew whenever the account is created or its
   * password, role, name or enabled state changes. A session holds the generation it was made
   * with and dies when it differs, so a change made here or by the CLI ends it, and an account
   * deleted and made again (even with the same id and name) never revives it. Absent in files
   * written before it existed (read as '').
   */
  generation?: string;
}

export interface LockoutPolicy {
  /** Failed logins in a row that lock the account; 0 disables lockout. */
  threshold: number;
  /** Seconds an account stays locked. */
  duration: number;
  /** Seconds after which the failure count starts over. */
  resetAfter: number;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const USERNAME_PATTERN = '^[A-Za-z][A-Za-z0-9._-]{0,31}$';

const fileSchema = {
  type: 'object',
  required: ['accounts'],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    accounts: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['id', 'username', 'role', 'enabled', 'hash'],
        properties: {
          id: { type: 'string', pattern: '^[0-9]+$' }, username: { type: 'string', pattern: USERNAME_PATTERN },
          role: { enum: ROLE_IDS }, enabled: { type: 'boolean' }, hash: { type: 'string', pattern: '^scrypt\\$' },
          generation: { type: 'string', minLength: 1, maxLength: 64 },
        },
      },
    },
  },
};
const validateFile = new Ajv({ allErrors: true }).compile(fileSchema);

interface Failures { count: number; last: number; lockedUntil: number }

/**
 * Redfish accounts in one JSON file (0600), replaced atomically on every change.
 * Failure counters and lockouts live in memory: a restart unlocks, as on most BMCs.
 * The file is re-read when it changed on disk, so `umec redfish user add` works
 * while the agent runs.
 */
interface AccountsFile { version?: number; accounts: Account[] }

function checkAccountsFile(data: unknown): AccountsFile {
  if (!validateFile(data)) {
    const err = validateFile.errors![0];
    throw new Error(`${err.instancePath || '(top)'} ${err.message}`);
  }
  const names = new Set<string>();
  for (const a of (data as unknown as AccountsFile).accounts) {
    if (names.has(a.username)) throw new Error(`user name ${a.username} appears twice`);
    names.add(a.username);
  }
  return data as unknown as AccountsFile;
}

export class AccountStore {
  private accounts: Account[] = [];
  private mtime = -1;
  private checked = 0;
  private readonly failures = new Map<string, Failures>();
  private readonly writing = new Serial();

  // refused when damaged: a reset would drop every account, or re-open the box with a default one
  private readonly store: JsonStore<AccountsFile>;

  constructor(readonly file: string, readonly lockout: LockoutPolicy, private readonly now: () => number = Date.now) {
    this.store = new JsonStore<AccountsFile>(file, { code: 'REDFISH_ACCOUNTS', check: checkAccountsFile });
  }

  async load(): Promise<this> {
    const mtime = await stat(this.file).then((st) => st.mtimeMs, (e: unknown) => {
      if (isNotFound(e)) return 0;
      throw new UmecError('REDFISH_ACCOUNTS', { file: this.file, reason: (e as Error).message });
    });
    this.accounts = (await this.store.read())?.accounts ?? [];
    this.mtime = mtime;
    return this;
  }

  /** Picks up changes another process (the CLI) made; looks at the file at most once a second. */
  async refresh(): Promise<void> {
    const t = this.now();
    if (t - this.checked < 1000) return;
    this.checked = t;
    const m = await stat(this.file).then((s) => s.mtimeMs, () => 0);
    if (m !== this.mtime) await this.load();
  }

  list(): readonly Account[] { return this.accounts; }
  get(id: string): Account | undefined { return this.accounts.find((a) => a.id === id); }
  byName(username: string): Account | undefined { return this.accounts.find((a) => a.username === username); }

  /** True while the account exists, is enabled and still has this credential generation (a session's test). */
  isCurrent(id: string, generation: string): boolean {
    const a = this.get(id);
    return !!a && a.enabled && (a.generation ?? '') === generation;
  }

  isLocked(username: string): boolean {
    const f = this.failures.get(username);
    return !!f && f.lockedUntil > this.now();
  }

  /** The account when the password is right and the account enabled and not locked; otherwise null. */
  async authenticate(username: string, password: string): Promise<Account | null> {
    await this.refresh().catch(() => undefined);
    const account = this.byName(username);
    const ok = await verifyPassword(password, account?.hash ?? DUMMY_HASH);
    if (!account) return null;
    if (this.isLocked(username)) return null;
    if (!ok) { this.fail(username); return null; }
    this.failures.delete(username);
    return account.enabled ? account : null;
  }

  private fail(username: string): void {
    const t = this.now();
    const prev = this.failures.get(username);
    const f = prev && t - prev.last < this.lockout.resetAfter * 1000 ? prev : { count: 0, last: t, lockedUntil: 0 };
    f.count += 1;
    f.last = t;
    if (this.lockout.threshold > 0 && f.count >= this.lockout.threshold) {
      f.lockedUntil = t + this.lockout.duration * 1000;
      f.count = 0;
    }
    this.failures.set(username, f);
  }

  unlock(username: string): void { this.failures.delete(username); }

  async create(o: { username: string; password: string; role: RoleId; enabled?: boolean }): Promise<Account> {
    return this.change(async () => {
      if (this.byName(o.username)) throw new UmecError('REDFISH_ACCOUNT_EXISTS', { username: o.username });
      checkPassword(o.username, o.password);
      const id = String(Math.max(0, ...this.accounts.map((a) => Number(a.id))) + 1);
      const a: Account = { id, username: o.username, role: o.role, enabled: o.enabled ?? true, hash: await hashPassword(o.password), generation: randomUUID() };
      return { next: [...this.accounts, a], result: a };
    });
  }

  async update(id: string, o: { password?: string; role?: RoleId; enabled?: boolean; username?: string }): Promise<Account> {
    return this.change(async () => {
      const cur = this.get(id);
      if (!cur) throw new UmecError('REDFISH_ACCOUNT', { username: id, reason: 'does not exist' });
      if (o.username !== undefined && o.username !== cur.username && this.byName(o.username)) {
        throw new UmecError('REDFISH_ACCOUNT_EXISTS', { username: o.username });
      }
      const a: Account = { ...cur };
      if (o.username !== undefined) a.username = o.username;
      if (o.role !== undefined) a.role = o.role;
      if (o.enabled !== undefined) a.enabled = o.enabled;
      if (o.password !== undefined) { checkPassword(a.username, o.password); a.hash = await hashPassword(o.password); }
      // every change of what a session was granted on ends the sessions: even to the same password or role
      if (o.password !== undefined || o.role !== undefined || a.enabled !== cur.enabled || a.username !== cur.username) a.generation = randomUUID();
      return { next: this.accounts.map((x) => (x.id === id ? a : x)), result: a };
    });
  }

  async remove(id: string): Promise<void> {
    await this.change(async () => ({ next: this.accounts.filter((a) => a.id !== id), result: undefined }));
  }

  /** Changes are serialised and acknowledged only once the new file is on disk. */
  private change<T>(f: () => Promise<{ next: Account[]; result: T }>): Promise<T> {
    const run = async () => {
      await this.load();
      const { next, result } = await f();
      await this.store.write({ version: 1, accounts: next });
      this.accounts = next;
      this.mtime = (await stat(this.file)).mtimeMs;
      return result;
    };
    return this.writing.run(run);
  }
}

export function checkPassword(username: string, password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new UmecError('REDFISH_ACCOUNT', { username, reason: `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters` });
  }
}
