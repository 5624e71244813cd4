import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { isNotFound, UmecError } from '../../lib/errors.js';

/** What a Redfish client can change that is not an account: kept in one small JSON file. */
export interface ServiceSettings {
  /** ServiceRoot.UUID: made once, stable across restarts. */
  uuid: string;
  sessionTimeout: number;
  assetTag?: string;
}

export class SettingsStore {
  private current!: ServiceSettings;

  constructor(readonly file: string, private readonly defaults: { sessionTimeout: number }) {}

  async load(): Promise<this> {
    let text: string | undefined;
    try { text = await readFile(this.file, 'utf8'); } catch (e) {
      if (!isNotFound(e)) throw new UmecError('CONFIG', { file: this.file, reason: (e as Error).message });
    }
    if (text === undefined) {
      this.current = { uuid: randomUUID(), sessionTimeout: this.defaults.sessionTimeout };
      await this.save(this.current);
      return this;
    }
    try {
      const d = JSON.parse(text) as ServiceSettings;
      if (typeof d.uuid !== 'string' || typeof d.sessionTimeout !== 'number') throw new Error('uuid or sessionTimeout missing');
      this.current = d;
    } catch (e) {
      throw new UmecError('CONFIG', { file: this.file, reason: `damaged Redfish settings (${(e as Error).message}); fix or remove it` });
    }
    return this;
  }

  get(): Readonly<ServiceSettings> { return this.current; }

  async update(patch: Partial<ServiceSettings>): Promise<ServiceSettings> {
    const next = { ...this.current, ...patch };
    await this.save(next);
    this.current = next;
    return next;
  }

  private async save(s: ServiceSettings): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  }
}
