import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../lib/fs-atomic.js';
import { isNotFound } from '../lib/errors.js';
import { isAgentId } from '../lib/ids.js';
import { isCurveKey } from '../lib/z85.js';

export type KeyState = 'pending' | 'accepted' | 'rejected';
export const KEY_STATES: readonly KeyState[] = ['pending', 'accepted', 'rejected'];

export interface KeyEntry { id: string; state: KeyState; key: string }

/** A key file that did not hold a key, moved aside at start (`<dir>/damaged/`). */
export interface DamagedKey { id: string; state: KeyState; file: string; movedTo: string; reason: string }

/**
 * Agent public keys by state, one file per agent id (like Salt's pki dir):
 * <dir>/<state>/<id> holds the Z85 CURVE public key. Moves are renames, so a
 * crash never leaves a key in two states or none.
 */
export class KeyStore {
  private readonly byId = new Map<string, KeyEntry>();
  private readonly byKey = new Map<string, KeyEntry>();
  /** New pending keys whose file is being written: listed and movable only once on disk. */
  private readonly writing = new Map<string, { key: string; done: Promise<'pending'> }>();

  /** Key files found damaged when the store was opened (empty, not a key, a directory); the caller reports them. */
  readonly damaged: DamagedKey[] = [];

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<KeyStore> {
    const s = new KeyStore(dir);
    for (const st of KEY_STATES) {
      await mkdir(join(dir, st), { recursive: true, mode: 0o700 });
      for (const id of await readdir(join(dir, st))) {
        if (!isAgentId(id)) continue;
        const file = join(dir, st, id);
        let key: string;
        try { key = (await readFile(file, 'utf8')).trim(); } catch (e) {
          if (isNotFound(e)) continue;
          await s.putAside(st, id, (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'a directory, not a key file' : (e as Error).message);
          continue;
        }
        if (!isCurveKey(key)) { await s.putAside(st, id, key ? 'not a Z85 CURVE public key' : 'empty'); continue; }
        // a key restored into accepted/ or rejected/ after its agent asked again: the restored state wins
        const prev = s.byId.get(id);
        if (prev?.state === 'pending' && prev.key === key) await unlink(join(dir, 'pending', id)).catch(() => undefined);
        s.index({ id, state: st, key });
      }
    }
    return s;
  }

  /**
   * A damaged key file is moved to `<dir>/damaged/<state>.<id>.<time>` (kept for a human), so the
   * agent's next key request makes it pending again instead of the id staying unusable.
   */
  private async putAside(state: KeyState, id: string, reason: string): Promise<void> {
    const file = join(this.dir, state, id);
    const movedTo = join(this.dir, 'damaged', `${state}.${id}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(join(this.dir, 'damaged'), { recursive: true, mode: 0o700 });
    await rename(file, movedTo);
    await fsyncDir(join(this.dir, state));
    this.damaged.push({ id, state, file, movedTo, reason });
  }

  private index(e: KeyEntry): void {
    const old = this.byId.get(e.id);
    if (old) this.byKey.delete(old.key);
    this.byId.set(e.id, e);
    this.byKey.set(e.key, e);
  }

  get(id: string): KeyEntry | undefined { return this.byId.get(id); }
  byPublicKey(key: string): KeyEntry | undefined { return this.byKey.get(key); }

  /** Keys in a state, counting new pending keys still being written. */
  count(state: KeyState): number {
    let n = state === 'pending' ? this.writing.size : 0;
    for (const e of this.byId.values()) if (e.state === state) n++;
    return n;
  }

  /** True when id has a key (in any state) or one is being written. */
  has(id: string): boolean { return this.byId.has(id) || this.writing.has(id); }

  list(): Record<KeyState, string[]> {
    const out: Record<KeyState, string[]> = { pending: [], accepted: [], rejected: [] };
    for (const e of this.byId.values()) out[e.state].push(e.id);
    for (const st of KEY_STATES) out[st].sort();
    return out;
  }

  /**
   * An agent asks to be accepted. A new id becomes pending; a known id with the
   * same key keeps its state; a known id with a different key is a conflict and
   * changes nothing (an agent cannot take over another's id).
   */
  async request(id: string, key: string): Promise<KeyState | 'conflict'> {
    const cur = this.byId.get(id);
    if (cur) return cur.key === key ? cur.state : 'conflict';
    // a request for the same id still being written: the same key waits for it, another key conflicts
    const writing = this.writing.get(id);
    if (writing) return writing.key === key ? writing.done : 'conflict';
    // one key, one id: a key already known under another id cannot take a second one
    if (this.byKey.has(key) || [...this.writing.values()].some((w) => w.key === key)) return 'conflict';
    const done = writeFileAtomic(join(this.dir, 'pending', id), `${key}\n`, { mode: 0o600 })
      .then(() => { this.index({ id, state: 'pending', key }); return 'pending' as const; })
      .finally(() => this.writing.delete(id));
    this.writing.set(id, { key, done });
    return done;
  }

  /** Moves a key to another state; false when the id is unknown. */
  async move(id: string, to: KeyState): Promise<boolean> {
    const cur = this.byId.get(id);
    if (!cur) return false;
    if (cur.state === to) return true;
    await rename(join(this.dir, cur.state, id), join(this.dir, to, id));
    await fsyncDir(join(this.dir, to));
    await fsyncDir(join(this.dir, cur.state));
    this.index({ ...cur, state: to });
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const cur = this.byId.get(id);
    if (!cur) return false;
    await unlink(join(this.dir, cur.state, id));
    await fsyncDir(join(this.dir, cur.state));
    this.byId.delete(id);
    this.byKey.delete(cur.key);
    return true;
  }
}
