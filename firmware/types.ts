/**
 * The firmware engine's public contract, shared by the agent (Redfish
 * UpdateService, resume after reboot), the CLI and the firmware.updated state.
 */

/** Redfish ResetType values the power driver carries out. */
export type ResetKind = 'On' | 'ForceOff' | 'GracefulShutdown' | 'GracefulRestart' | 'ForceRestart';

/** Power control of the box. Real: systemd (systemctl reboot/poweroff); tests: a recording driver. */
export interface PowerDriver {
  reset(kind: ResetKind): Promise<void>;
}

export type SlotName = 'A' | 'B';

export interface SlotStatus {
  name: SlotName;
  /** Block device or file path the slot is written to. */
  device: string;
  /** Version from the manifest last written to the slot, when known. */
  version?: string;
  /** 'good' once committed, 'bad' after a failed trial, 'unknown' before anything was written. */
  state: 'good' | 'bad' | 'unknown';
  /** The slot the box is running from now. */
  booted: boolean;
  /** The slot the boot environment will boot next. */
  next: boolean;
}

/** Journal states, in order; committed, rolled-back and failed are final. */
export type UpdatePhase =
  | 'idle' | 'downloading' | 'verifying' | 'writing' | 'written' | 'rebooting'
  | 'booted-trying' | 'health-checking' | 'committed' | 'rolled-back' | 'failed';

export interface FirmwareStatus {
  slots: SlotStatus[];
  booted: SlotName;
  phase: UpdatePhase;
  /** The update in progress or last finished, when there is one. */
  update?: {
    id: string;
    source: string;
    version?: string;
    target: SlotName;
    startedAt: string;
    updatedAt: string;
    /** Human-readable reason for failed / rolled-back. */
    message?: string;
  };
}

export interface InstallProgress {
  phase: UpdatePhase;
  bytesDone: number;
  bytesTotal?: number;
  /** 0..100 over the whole install, when it can be computed. */
  percent?: number;
  message?: string;
}

export interface InstallOptions {
  onProgress?: (p: InstallProgress) => void;
  signal?: AbortSignal;
  /** Reboot into the new slot when written (default true). */
  reboot?: boolean;
  /**
   * Seconds to wait before that reboot; install() resolves first. For callers
   * that must report before the box goes down (the firmware.updated state
   * returning to the master). Default 0: reboot before resolving.
   */
  rebootDelay?: number;
}

export interface InstallResult {
  id: string;
  version: string;
  target: SlotName;
  phase: UpdatePhase;
}

export interface FirmwareEngine {
  status(): Promise<FirmwareStatus>;
  /** source: a local path or an http(s) URL to a signed bundle. Refuses a second install while one runs. */
  install(source: string, opts?: InstallOptions): Promise<InstallResult>;
  commit(): Promise<FirmwareStatus>;
  rollback(): Promise<FirmwareStatus>;
}
