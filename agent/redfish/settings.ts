import { randomUUID } from 'node:crypto';
import { JsonStore } from '../../lib/json-store.js';

/** What a Redfish client can change that is not an account: kept in one small JSON file. */
export interface ServiceSettings {
  /** ServiceRoot.UUID: made once, stable across restarts. */
  uuid: string;
  sessionTimeout: number;
  assetTag?: string;
}

export class SettingsStore {
  private current!: ServiceSettings;
  private readonly store: JsonStore<ServiceSettings>;

  constructor(readonly file: string, private readonly defaults: { sessionTimeout: number }) {
    this.store = new JsonStore<ServiceSettings>(file, {
      what: 'Redfish settings', hint: 'fix or remove it',
      check: (v) => {
        const d = v as Partial<ServiceSettings> | null;
        if (typeof d?.uuid !== 'string' || typeof d.sessionTimeout !== 'number') throw new Error('uuid or sessionTimeout missing');
        return d as ServiceSettings;
      },
    });
  }

  async load(): Promise<this> {
    const d = await this.store.read();
    if (d) this.current = d;
    else await this.update({ uuid: randomUUID(), sessionTimeout: this.defaults.sessionTimeout });
    return this;
  }

  get(): Readonly<ServiceSettings> { return this.current; }

  async update(patch: Partial<ServiceSettings>): Promise<ServiceSettings> {
    const next = { ...this.current, ...patch };
    await this.store.write(next);
    this.current = next;
    return next;
  }
}
