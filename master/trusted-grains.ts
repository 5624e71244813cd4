import { join } from 'node:path';
import { UmecError } from '../lib/errors.js';
import { JsonStore } from '../lib/json-store.js';
import { Serial } from '../lib/serial.js';

type Grains = Record<string, string>;

/**
 * Grains an admin set for an agent on the master (`umec key grains ID k=v`), kept in
 * data_dir/trusted-grains.json. With the id and the grains its enrolment token preset, they
 * are all the master believes about a box: pillar is compiled from them only, never from the
 * grains an agent claims in its hello (anyone holding an accepted key can claim anything).
 * Each entry remembers the agent key it was set for, so a new key for the same id starts
 * without them.
 */
export class TrustedGrains {
  private entries: Record<string, { key: string; grains: Grains }> = {};
  private readonly lock = new Serial();

  private constructor(private readonly file: JsonStore<{ agents: Record<string, { key: string; grains: Grains }> }>) {}

  static async open(dataDir: string): Promise<TrustedGrains> {
    const file = new JsonStore<{ agents: Record<string, { key: string; grains: Grains }> }>(join(dataDir, 'trusted-grains.json'), {
      what: 'trusted grains store', hint: 'restore it, or remove it to drop the grains set with umec key grains', indent: 1,
      check: (v) => {
        const a = (v as { agents?: unknown } | null)?.agents;
        if (!a || typeof a !== 'object' || Array.isArray(a)) throw new Error('no "agents" mapping');
        return v as { agents: Record<string, { key: string; grains: Grains }> };
      },
    });
    const s = new TrustedGrains(file);
    s.entries = (await file.read())?.agents ?? {};
    return s;
  }

  /** The grains set for id while it has `key`; {} for another key. */
  get(id: string, key: string | undefined): Grains {
    const e = Object.hasOwn(this.entries, id) ? this.entries[id] : undefined;
    return e && e.key === key ? { ...e.grains } : {};
  }

  /** Sets and unsets grains of id (whose accepted key is `key`); returns what is now set. */
  update(id: string, key: string, set: Grains, unset: string[]): Promise<Grains> {
    for (const k of [...Object.keys(set), ...unset]) {
      if (k === 'id') throw new UmecError('USAGE', { reason: 'the id grain is the agent id; it cannot be set' });
      if (!/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/.test(k)) throw new UmecError('USAGE', { reason: `grain name ${JSON.stringify(k).slice(0, 140)} must be a letter or _ followed by letters, digits, _ . -` });
    }
    return this.lock.run(async () => {
      const grains = { ...this.get(id, key), ...set };
      for (const k of unset) delete grains[k];
      const next = { ...this.entries };
      if (Object.keys(grains).length) next[id] = { key, grains };
      else delete next[id];
      await this.file.write({ agents: next });
      this.entries = next;
      return { ...grains };
    });
  }

  /** Drops what was set for id (its key was deleted). */
  forget(id: string): Promise<void> {
    return this.lock.run(async () => {
      if (!Object.hasOwn(this.entries, id)) return;
      const next = { ...this.entries };
      delete next[id];
      await this.file.write({ agents: next });
      this.entries = next;
    });
  }
}
