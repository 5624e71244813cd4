import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { SlotName, UpdatePhase } from './types.js';
import { isNotFound } from '../lib/errors.js';

export interface SlotRecord { version?: string; state: 'good' | 'bad' | 'unknown' }

export interface JournalUpdate {
  id: string;
  source: string;
  version?: string;
  target: SlotName;
  /** The slot the box ran when the update started (the fallback). */
  from: SlotName;
  startedAt: string;
  updatedAt: string;
  message?: string;
  /** Boot id when the phase was entered: a different one now means the box rebooted since. */
  bootId: string;
  /** Reboot into the new slot once written. */
  reboot: boolean;
  /** Resets re-issued by resume() for this update. */
  resumeResets?: number;
  /** A staged download to delete when the update ends. */
  staged?: string;
}

export interface JournalRecord {
  format: 1;
  phase: UpdatePhase;
  slots: Record<SlotName, SlotRecord>;
  update?: JournalUpdate;
}

export const FINAL_PHASES: ReadonlySet<UpdatePhase> = new Set(['idle', 'committed', 'rolled-back', 'failed']);
/** Phases that run inside the installer before the boot env is touched. */
export const INSTALLER_PHASES: ReadonlySet<UpdatePhase> = new Set(['downloading', 'verifying', 'writing', 'written']);

const PHASES = new Set<UpdatePhase>(['idle', 'downloading', 'verifying', 'writing', 'written', 'rebooting',
  'booted-trying', 'health-checking', 'committed', 'rolled-back', 'failed']);

/**
 * The update journal: one JSON file, replaced atomically (write, fsync, rename,
 * fsync dir) before each step takes effect, so that after power loss it names
 * the step that was about to run or ran last.
 */
export class Journal {
  readonly file: string;
  constructor(readonly dir: string) { this.file = join(dir, 'journal.json'); }

  async read(): Promise<JournalRecord> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if (isNotFound(e)) return { format: 1, phase: 'idle', slots: { A: { state: 'unknown' }, B: { state: 'unknown' } } };
      throw e;
    }
    let j: JournalRecord;
    try {
      j = JSON.parse(text) as JournalRecord;
    } catch (e) {
      throw new Error(`firmware journal ${this.file} is damaged: ${(e as Error).message}`, { cause: e });
    }
    if (j.format !== 1 || !PHASES.has(j.phase) || !j.slots?.A || !j.slots?.B) throw new Error(`firmware journal ${this.file} is not a umec journal (format 1)`);
    return j;
  }

  async write(j: JournalRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.file, `${JSON.stringify(j, null, 2)}\n`);
  }
}
