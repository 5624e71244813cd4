import { stat, open } from 'node:fs/promises';
import type { FirmwareEngine, FirmwareStatus, InstallOptions, InstallResult, SlotStatus } from '../../firmware/types.js';

/**
 * Stands in for firmware/engine until the real one is merged: reads the image
 * file for real (missing file → error, progress by bytes read), then flips the
 * slots in memory. `gate` lets a test hold the install mid-way.
 */
export class FirmwareEngineDouble implements FirmwareEngine {
  slots: SlotStatus[] = [
    { name: 'A', device: '/dev/mmcblk0p2', version: '1.0.0', state: 'good', booted: true, next: true },
    { name: 'B', device: '/dev/mmcblk0p3', state: 'unknown', booted: false, next: false },
  ];
  readonly installs: Array<{ source: string; reboot?: boolean }> = [];
  gate?: Promise<void>;
  private busy = false;

  async status(): Promise<FirmwareStatus> {
    return { slots: this.slots.map((s) => ({ ...s })), booted: this.slots.find((s) => s.booted)!.name, phase: 'idle' };
  }

  async install(source: string, opts: InstallOptions = {}): Promise<InstallResult> {
    if (this.busy) throw new Error('an install is already running');
    this.busy = true;
    try {
      this.installs.push({ source, reboot: opts.reboot });
      const total = (await stat(source)).size;
      opts.onProgress?.({ phase: 'downloading', bytesDone: 0, bytesTotal: total, percent: 0 });
      const fh = await open(source, 'r');
      let done = 0;
      const buf = Buffer.alloc(64 * 1024);
      // the image's first line is its version
      const head = Buffer.alloc(32);
      await fh.read(head, 0, 32, 0);
      const version = head.toString('utf8').split('\n')[0].trim();
      try {
        for (;;) {
          if (opts.signal?.aborted) throw new Error('install aborted');
          const { bytesRead } = await fh.read(buf, 0, buf.length, null);
          if (!bytesRead) break;
          done += bytesRead;
          opts.onProgress?.({ phase: 'writing', bytesDone: done, bytesTotal: total, percent: Math.floor((done / total) * 90) });
          if (this.gate) await this.gate;
        }
      } finally { await fh.close(); }
      const target = this.slots.find((s) => !s.booted)!;
      target.version = version;
      target.state = 'unknown';
      target.next = true;
      this.slots.find((s) => s.booted)!.next = false;
      opts.onProgress?.({ phase: 'written', bytesDone: done, bytesTotal: total, percent: 100 });
      return { id: `u${this.installs.length}`, version, target: target.name, phase: 'written' };
    } finally { this.busy = false; }
  }

  async commit(): Promise<FirmwareStatus> { return this.status(); }
  async rollback(): Promise<FirmwareStatus> { return this.status(); }
}
