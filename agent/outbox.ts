import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { ReturnMessage } from '../lib/messages.js';

/**
 * Returns not yet acknowledged by the master, on disk, so a result survives
 * an agent restart or a master outage and is delivered later.
 */
export class Outbox {
  constructor(private readonly dir: string) {}

  async put(r: ReturnMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.dir, `${r.jid}.json`), JSON.stringify(r), { mode: 0o600 });
  }

  async done(jid: string): Promise<void> {
    await unlink(join(this.dir, `${jid}.json`)).catch(() => undefined);
  }

  async pending(): Promise<ReturnMessage[]> {
    let names: string[];
    try { names = await readdir(this.dir); } catch { return []; }
    const out: ReturnMessage[] = [];
    for (const n of names.filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
      try { out.push(JSON.parse(await readFile(join(this.dir, n), 'utf8')) as ReturnMessage); } catch { /* torn file from a crash: drop */ }
    }
    return out;
  }
}
