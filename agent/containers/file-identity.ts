import { randomBytes, randomUUID } from 'node:crypto';
import type { AppIdentity, AppIdentityProvider } from '../../lib/app-identity.js';
import { JsonStore } from '../../lib/json-store.js';
import { Serial } from '../../lib/serial.js';

interface Stored { identities: Record<string, AppIdentity & { appName?: string; appVersion?: string }> }

/**
 * App identities kept in one JSON file (mode 0600) when no Mp1 server issues
 * them: created once per instance id, on disk before they are handed out.
 */
export class FileAppIdentityProvider implements AppIdentityProvider {
  private data?: Stored;
  private readonly queue = new Serial();
  private readonly store: JsonStore<Stored>;

  constructor(file: string, private readonly mp1Endpoint: string) {
    // refuse a damaged file: starting over would hand running apps new credentials behind their back
    this.store = new JsonStore<Stored>(file, {
      what: 'app identity store', hint: 'restore it, or remove it to issue new credentials',
      check: (v) => {
        const ids = (v as Partial<Stored> | null)?.identities;
        if (typeof ids !== 'object' || ids === null || Array.isArray(ids)) throw new Error('no "identities" mapping');
        return v as Stored;
      },
    });
  }

  endpoint(): string { return this.mp1Endpoint; }

  private async load(): Promise<Stored> {
    this.data ??= (await this.store.read()) ?? { identities: {} };
    return this.data;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private save(d: Stored): Promise<void> {
    return this.store.write(d);
  }

  ensure(appInstanceId: string, meta: { appName?: string; appVersion?: string } = {}): Promise<AppIdentity> {
    return this.serial(async () => {
      const d = await this.load();
      const have = d.identities[appInstanceId];
      if (have) return { appInstanceId, clientId: have.clientId, clientSecret: have.clientSecret };
      const id = { appInstanceId, clientId: randomUUID(), clientSecret: randomBytes(32).toString('base64url'), ...meta };
      const next = { identities: { ...d.identities, [appInstanceId]: id } };
      await this.save(next);
      this.data = next;
      return { appInstanceId, clientId: id.clientId, clientSecret: id.clientSecret };
    });
  }

  remove(appInstanceId: string): Promise<void> {
    return this.serial(async () => {
      const d = await this.load();
      if (!d.identities[appInstanceId]) return;
      const { [appInstanceId]: _gone, ...rest } = d.identities;
      const next = { identities: rest };
      await this.save(next);
      this.data = next;
    });
  }
}
