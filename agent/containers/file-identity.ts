import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AppIdentity, AppIdentityProvider } from '../../lib/app-identity.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import { Serial } from '../../lib/serial.js';
import { isNotFound } from '../../lib/errors.js';

interface Stored { identities: Record<string, AppIdentity & { appName?: string; appVersion?: string }> }

/**
 * App identities kept in one JSON file (mode 0600) when no Mp1 server issues
 * them: created once per instance id, on disk before they are handed out.
 */
export class FileAppIdentityProvider implements AppIdentityProvider {
  private data?: Stored;
  private readonly queue = new Serial();

  constructor(private readonly file: string, private readonly mp1Endpoint: string) {}

  endpoint(): string { return this.mp1Endpoint; }

  private async load(): Promise<Stored> {
    if (this.data) return this.data;
    try {
      const v = JSON.parse(await readFile(this.file, 'utf8')) as Stored;
      this.data = v && typeof v.identities === 'object' ? v : { identities: {} };
    } catch (e) {
      if (!isNotFound(e)) throw new Error(`app identity store ${this.file} is unreadable: ${(e as Error).message}`, { cause: e });
      this.data = { identities: {} };
    }
    return this.data;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private async save(d: Stored): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, JSON.stringify(d, null, 2), { mode: 0o600 });
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
