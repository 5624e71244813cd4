import { open, stat, type FileHandle } from 'node:fs/promises';
import type { BundleImage, ImageSink } from './bundle.js';
import { deviceCapacity } from './slot-writer.js';

/** Write size of the streaming path: large enough for full-speed writes, small enough to keep the installer lean. */
const CHUNK = 2 << 20;

export interface SlotSinkOptions {
  /** Device for an image's slot class. */
  device(img: BundleImage): string;
  /** Runs before the first byte reaches any slot (journals 'writing'). */
  beforeFirstWrite(): Promise<void>;
  onBytes?(done: number): void | Promise<void>;
}

type Op = { kind: 'begin'; img: BundleImage } | { kind: 'data'; buf: Buffer; len: number } | { kind: 'end'; img: BundleImage };

/** Write buffers: one being filled, one being written, one free so the reader never waits on a full one. */
const POOL = 3;

/**
 * Streams image bytes from the bundle parser onto the slot devices while the
 * next bytes are read: the parser's chunks are copied into a small pool of
 * CHUNK-sized buffers (the reader reuses its own buffers), a pump writes full
 * buffers, and the reader waits (drain) until a buffer is free. Memory stays
 * at POOL * CHUNK whatever the image size. Hashes are checked by the parser;
 * the caller marks the slot bad when they fail.
 */
export class SlotSink implements ImageSink {
  private readonly queue: Op[] = [];
  private readonly free: Buffer[] = [];
  private cur?: Buffer;
  private curLen = 0;
  private pumping?: Promise<void>;
  private error?: Error;
  private fh?: FileHandle;
  private at = 0;
  private done = 0;
  private started = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly o: SlotSinkOptions) {
    for (let i = 0; i < POOL; i++) this.free.push(Buffer.allocUnsafeSlow(CHUNK));
  }

  begin(img: BundleImage): void { this.push({ kind: 'begin', img }); }

  /** Chunks must be at most CHUNK bytes (drain() guarantees one free buffer before each). */
  data(_img: BundleImage, chunk: Buffer): void {
    if (this.error) return;
    let off = 0;
    while (off < chunk.length) {
      if (!this.cur) {
        const b = this.free.pop();
        if (!b) { this.error = new Error('slot writer overrun: input chunk larger than its buffers'); return; }
        this.cur = b; this.curLen = 0;
      }
      const n = chunk.copy(this.cur, this.curLen, off);
      off += n; this.curLen += n;
      if (this.curLen === CHUNK) this.flushCurrent();
    }
  }

  end(img: BundleImage): void { this.flushCurrent(); this.push({ kind: 'end', img }); }

  private flushCurrent(): void {
    if (!this.cur) return;
    if (this.curLen > 0) this.push({ kind: 'data', buf: this.cur, len: this.curLen });
    else this.free.push(this.cur);
    this.cur = undefined; this.curLen = 0;
  }

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
          let w = 0;
          while (w < op.len) {
            const { bytesWritten } = await this.fh!.write(op.buf, w, op.len - w, this.at + w);
            if (bytesWritten === 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
            w += bytesWritten;
          }
          this.at += op.len; this.done += op.len;
          this.free.push(op.buf);
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
      await this.fh?.close().catch(() => undefined);
      this.fh = undefined;
    }
  }

  /** Waits until a buffer is free for the next chunk; throws the first write error. */
  async drain(): Promise<void> {
    while (!this.error && this.free.length < 1 && this.pumping) await new Promise<void>((r) => this.waiters.push(r));
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
