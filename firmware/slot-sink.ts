import { open, stat, type FileHandle } from 'node:fs/promises';
import type { BundleImage, ImageSink } from './bundle.js';
import { CHUNK, deviceCapacity } from './slot-writer.js';

export interface SlotSinkOptions {
  /** Device for an image's slot class. */
  device(img: BundleImage): string;
  /** Runs before the first byte reaches any slot (journals 'writing'). */
  beforeFirstWrite(): Promise<void>;
  onBytes?(done: number): void | Promise<void>;
  /** Bytes queued before the reader waits for the slot to catch up. */
  highWater?: number;
}

type Op = { kind: 'begin'; img: BundleImage } | { kind: 'data'; buf: Buffer } | { kind: 'end'; img: BundleImage };

/**
 * Streams image bytes from the bundle parser onto the slot devices while the
 * next bytes are read: the parser hands over chunks synchronously, a pump
 * writes them in CHUNK-sized writes, and the reader waits (drain) once more
 * than highWater bytes are queued. Hashes are checked by the parser; the
 * caller marks the slot bad when they fail.
 */
export class SlotSink implements ImageSink {
  private readonly queue: Op[] = [];
  private queued = 0;
  private pumping?: Promise<void>;
  private error?: Error;
  private fh?: FileHandle;
  private at = 0;
  private done = 0;
  private started = false;
  private waiters: Array<() => void> = [];
  private readonly highWater: number;

  constructor(private readonly o: SlotSinkOptions) { this.highWater = o.highWater ?? 2 * CHUNK; }

  begin(img: BundleImage): void { this.push({ kind: 'begin', img }); }
  data(_img: BundleImage, chunk: Buffer): void { this.queued += chunk.length; this.push({ kind: 'data', buf: chunk }); }
  end(img: BundleImage): void { this.push({ kind: 'end', img }); }

  private push(op: Op): void {
    if (this.error) return;
    this.queue.push(op);
    this.pumping ??= this.pump().finally(() => { this.pumping = undefined; this.wake(); });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length) {
        const op = this.queue.shift()!;
        if (op.kind === 'data') {
          // coalesce queued chunks into one write of up to CHUNK bytes
          const parts = [op.buf];
          let len = op.buf.length;
          while (this.queue[0]?.kind === 'data' && len + (this.queue[0] as { buf: Buffer }).buf.length <= CHUNK) {
            const b = (this.queue.shift() as { buf: Buffer }).buf;
            parts.push(b); len += b.length;
          }
          const buf = parts.length === 1 ? op.buf : Buffer.concat(parts, len);
          let w = 0;
          while (w < len) {
            const { bytesWritten } = await this.fh!.write(buf, w, len - w, this.at + w);
            if (bytesWritten === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
            w += bytesWritten;
          }
          this.at += len; this.done += len; this.queued -= len;
          this.wake();
          await this.o.onBytes?.(this.done);
        } else if (op.kind === 'begin') {
          if (!this.started) { this.started = true; await this.o.beforeFirstWrite(); }
          const device = this.o.device(op.img);
          const cap = await deviceCapacity(device);
          if (cap !== undefined && cap < op.img.size) throw new Error(`image ${op.img.file} is ${op.img.size} bytes, the device holds ${cap}`);
          const exists = await stat(device).then(() => true, () => false);
          this.fh = await open(device, exists ? 'r+' : 'w');
          this.at = 0;
        } else {
          const fh = this.fh!;
          this.fh = undefined;
          try {
            if ((await fh.stat()).isFile()) await fh.truncate(op.img.size);
            await fh.datasync();
          } finally { await fh.close(); }
        }
      }
    } catch (e) {
      this.error = e as Error;
      this.queue.length = 0;
      this.queued = 0;
      await this.fh?.close().catch(() => undefined);
      this.fh = undefined;
    }
  }

  /** Waits while too much is queued; throws the first write error. */
  async drain(): Promise<void> {
    while (!this.error && this.queued > this.highWater && this.pumping) await new Promise<void>((r) => this.waiters.push(r));
    if (this.error) throw this.error;
  }

  /** Everything written and flushed (or the first error). */
  async finish(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.error) throw this.error;
  }

  /** After a failure elsewhere: stop writing, close the device. */
  async abort(): Promise<void> {
    this.queue.length = 0;
    while (this.pumping) await this.pumping.catch(() => undefined);
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  get wroteAnything(): boolean { return this.started; }
}
