import { join } from 'node:path';
import { JsonStore } from '../lib/json-store.js';
import type { SlotName, UpdatePhase } from './types.js';

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
export class UpdateJournal {
  readonly file: string;
  private readonly store: JsonStore<JournalRecord>;

  constructor(readonly dir: string) {
    this.file = join(dir, 'journal.json');
    // refused when damaged: guessing the phase could boot a half-written slot
    this.store = new JsonStore<JournalRecord>(this.file, {
      what: 'firmware journal', code: 'FW_STATE', mode: 0o644, dirMode: 0o777,
      check: (v) => {
        const j = v as Partial<JournalRecord> | null;
        if (j?.format !== 1 || !j.phase || !PHASES.has(j.phase) || !j.slots?.A || !j.slots?.B) throw new Error('not a umec journal (format 1)');
        return j as JournalRecord;
      },
    });
  }

  async read(): Promise<JournalRecord> {
    return (await this.store.read()) ?? { format: 1, phase: 'idle', slots: { A: { state: 'unknown' }, B: { state: 'unknown' } } };
  }

  write(j: JournalRecord): Promise<void> {
    return this.store.write(j);
  }
}
