import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { FromSchema } from 'json-schema-to-ts';
import { JOB_FUNS, jobArgsSchema, returnMessageSchema } from '../lib/messages.js';
import { compileChecker } from '../lib/schema.js';

/** A return waiting for the master; a job the agent started itself also carries its job record (sent as a local_job). */
const outboxItemSchema = {
  type: 'object', additionalProperties: false, required: returnMessageSchema.required,
  properties: {
    ...returnMessageSchema.properties,
    local: {
      type: 'object', additionalProperties: false, required: ['kind', 'name', 'fun', 'args', 'startedAt'],
      properties: {
        kind: { enum: ['commission', 'schedule'] }, name: { type: 'string' }, fun: { enum: JOB_FUNS }, args: jobArgsSchema,
        startedAt: { type: 'string' }, attempt: { type: 'integer', minimum: 1 },
      },
    },
  },
} as const;
export type OutboxItem = FromSchema<typeof outboxItemSchema>;
const checkItem = compileChecker(outboxItemSchema);

/**
 * Returns not yet acknowledged by the master, on disk, so a result survives
 * an agent restart or a master outage and is delivered later.
 */
export class Outbox {
  /** `onDamaged`: told of each file that did not hold a return, after it was moved to `<dir>/damaged/`. */
  constructor(private readonly dir: string, private readonly onDamaged: (d: DamagedRecord) => void = () => undefined) {}

  async put(r: OutboxItem): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.dir, `${r.jid}.json`), JSON.stringify(r), { mode: 0o600 });
  }

  async done(jid: string): Promise<void> {
    await unlink(join(this.dir, `${jid}.json`)).catch(() => undefined);
  }

  async pending(): Promise<OutboxItem[]> {
    let names: string[];
    try { names = await readdir(this.dir); } catch { return []; }
    const out: OutboxItem[] = [];
    for (const n of names.filter((f) => /^\d{20}\.json$/.test(f)).sort()) {
      // files are written atomically: one that does not hold a return was damaged after the fact; it is
      // moved aside (kept for a human) and named, and the other returns are delivered
      let reason: string;
      try {
        const { value, problems } = checkItem(JSON.parse(await readFile(join(this.dir, n), 'utf8')));
        if (value) { out.push(value); continue; }
        reason = `not a return: ${(problems ?? ['schema mismatch']).join('; ').slice(0, 200)}`;
      } catch (e) {
        reason = (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'a directory, not a file' : `unreadable: ${(e as Error).message.slice(0, 200)}`;
      }
      await this.putAside(n, reason);
    }
    return out;
  }

  private async putAside(name: string, reason: string): Promise<void> {
    const file = join(this.dir, name);
    const movedTo = join(this.dir, 'damaged', `${name}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    try {
      await mkdir(join(this.dir, 'damaged'), { recursive: true, mode: 0o700 });
      await rename(file, movedTo);
    } catch { return; }
    this.onDamaged({ file, movedTo, reason });
  }
}

/** A record file of a one-file-per-record store that was damaged and moved aside. */
export interface DamagedRecord { file: string; movedTo: string; reason: string }
