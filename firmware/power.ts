import { appendFile } from 'node:fs/promises';
import type { FromSchema } from 'json-schema-to-ts';
import { ProcessRunner } from '../lib/exec.js';
import type { CommandRunner } from '../lib/drivers.js';
import type { PowerDriver, ResetKind } from './types.js';


/** systemctl verbs for each Redfish ResetType; 'On' means nothing on a running box. */
const SYSTEMCTL: Record<ResetKind, string[] | null> = {
  On: null,
  GracefulRestart: ['systemctl', 'reboot'],
  GracefulShutdown: ['systemctl', 'poweroff'],
  ForceRestart: ['systemctl', 'reboot', '--force'],
  ForceOff: ['systemctl', 'poweroff', '--force'],
};

/** The real box: systemd reboots or powers off. */
export class SystemdPowerDriver implements PowerDriver {
  constructor(private readonly exec: CommandRunner = new ProcessRunner()) {}

  async reset(kind: ResetKind): Promise<void> {
    const argv = SYSTEMCTL[kind];
    if (argv === undefined) throw new Error(`unknown reset kind ${String(kind)}`);
    if (argv === null) return;
    const r = await this.exec.run(argv, { timeout: 60 });
    if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
}

export interface PowerRecord { kind: ResetKind; at: string }

/**
 * Stands in for the power supply in tests: records every reset (in memory and,
 * when given a file, as JSON lines) so a test can "boot" the box by starting the
 * process again. Nothing is switched off.
 */
export class RecordingPowerDriver implements PowerDriver {
  readonly calls: PowerRecord[] = [];
  private waiters: Array<(r: PowerRecord) => void> = [];

  constructor(private readonly recordFile?: string) {}

  async reset(kind: ResetKind): Promise<void> {
    if (!(kind in SYSTEMCTL)) throw new Error(`unknown reset kind ${String(kind)}`);
    const rec = { kind, at: new Date().toISOString() };
    if (this.recordFile) await appendFile(this.recordFile, `${JSON.stringify(rec)}\n`);
    this.calls.push(rec);
    for (const w of this.waiters.splice(0)) w(rec);
  }

  /** Resolves with the next reset. */
  next(): Promise<PowerRecord> {
    return new Promise((r) => this.waiters.push(r));
  }
}

export function createPowerDriver(s: PowerSettings, exec?: CommandRunner): PowerDriver {
  if (s.driver === 'recording') return new RecordingPowerDriver(s.record_file);
  return new SystemdPowerDriver(exec);
}

export const powerSettingsSchema = {
  type: 'object',
  properties: {
    driver: { enum: ['systemd', 'recording'], default: 'systemd' },
    /** recording: each reset is appended to this file as one JSON line (the test "boots" from it). */
    record_file: { type: 'string', minLength: 1 },
  },
  additionalProperties: false,
  default: {},
} as const;
export type PowerSettings = FromSchema<typeof powerSettingsSchema>;
