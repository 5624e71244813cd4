import { open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './fs-atomic.js';

const NL = 0x0a;

/**
 * The complete lines of a log's bytes. A last line without its newline is the
 * torn tail of an append that a crash cut short: it was never acknowledged, so
 * it is not returned.
 */
export function completeLines(buf: Buffer): string[] {
  const end = buf.lastIndexOf(NL) + 1;
  if (end === 0) return [];
  const lines = buf.toString('utf8', 0, end - 1).split('\n');
  return lines;
}

export interface AppendLogOptions {
  /** Mode of a new log file (default 0600). */
  mode?: number;
  /** Called right before every fsync/fdatasync (the log, or its directory when the log is made); for tests and metrics. */
  onSync?: (path: string) => void;
  /** Told when open cut a torn tail (bytes cut), so the owner can log and count the repair. */
  onTorn?: (path: string, bytes: number) => void;
}

interface Entry { data: string; resolve: () => void; reject: (e: unknown) => void }
interface Task { run: () => Promise<void>; resolve: () => void; reject: (e: unknown) => void }
const isTask = (x: Entry | Task): x is Task => 'run' in x;

/**
 * An append-only file of lines with group commit: appends that arrive while a
 * write + fdatasync is in flight go out together in the next one, so many
 * concurrent callers cost one disk flush, and each append resolves only once
 * its line is on disk.
 *
 * A failed write leaves the log `failed` (its file may end with part of the
 * batch): every queued append is rejected and the owner opens the log again,
 * which cuts the torn tail.
 */
export class AppendLog {
  /** Appends and exclusive tasks, in call order. */
  private queue: Array<Entry | Task> = [];
  private writing = false;
  private fh: FileHandle | undefined;

  private constructor(readonly path: string, fh: FileHandle, private readonly onSync?: (path: string) => void) {
    this.fh = fh;
  }

  /**
   * Opens the log for appending (made, with an fsync of its directory, when
   * absent) and returns its complete lines. A torn tail is cut so that the next
   * append starts a line; the next commit's fdatasync makes the cut durable.
   */
  static async open(path: string, o: AppendLogOptions = {}): Promise<{ log: AppendLog; lines: string[]; tornBytes: number }> {
    let fh: FileHandle;
    let created = false;
    try {
      fh = await open(path, 'ax', o.mode ?? 0o600);
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      fh = await open(path, 'a', o.mode ?? 0o600);
    }
    let lines: string[] = [];
    let tornBytes = 0;
    try {
      if (created) {
        o.onSync?.(dirname(path));
        await fsyncDir(dirname(path));
      } else {
        const buf = await readFile(path);
        lines = completeLines(buf);
        const end = buf.lastIndexOf(NL) + 1;
        if (end < buf.length) {
          tornBytes = buf.length - end;
          await fh.truncate(end);
          o.onTorn?.(path, tornBytes);
        }
      }
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
    return { log: new AppendLog(path, fh, o.onSync), lines, tornBytes };
  }

  /** True once a write failed or the log was closed: open it again to go on. */
  get failed(): boolean { return this.fh === undefined; }

  /** True while appends are queued or being written. */
  get busy(): boolean { return this.writing || this.queue.length > 0; }

  /** Appends `text` (whole lines, each ending in "\n"); resolves once it is on disk. */
  append(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data: text, resolve, reject });
      this.kick();
    });
  }

  /**
   * Runs `run` after the appends called before it are committed, with no
   * append in flight, and holds later appends back until it is done. `truncate` empties the log (for a
   * compaction whose snapshot already holds everything the log did).
   */
  exclusive(run: (truncate: () => Promise<void>) => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ run: () => run(() => this.truncate()), resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = true;
    // start on a microtask so that calls already resumed in this turn share the first commit
    queueMicrotask(() => {
      this.flush().catch((e: unknown) => {
        // flush() settles every entry it takes; should anything else escape, fail what is queued rather than leave it hanging
        this.writing = false;
        for (const x of this.queue.splice(0)) x.reject(e);
      });
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (isTask(head)) {
        this.queue.shift();
        // a task that throws (even before its first await) fails its caller, never the queue
        await new Promise<void>((resolve) => { resolve(head.run()); }).then(head.resolve, head.reject);
        continue;
      }
      // one commit for every append up to the next task
      const n = this.queue.findIndex(isTask);
      const batch = this.queue.splice(0, n === -1 ? this.queue.length : n) as Entry[];
      try {
        const fh = this.fh;
        if (!fh) throw new Error(`${this.path} is closed`);
        const data = Buffer.from(batch.map((e) => e.data).join(''), 'utf8');
        for (let off = 0; off < data.length;) off += (await fh.write(data, off, data.length - off)).bytesWritten;
        this.onSync?.(this.path);
        await fh.datasync();
      } catch (e) {
        // the file may end with part of this batch: nothing after it may be acknowledged
        for (const entry of batch) entry.reject(e);
        for (const x of this.queue) if (!isTask(x)) x.reject(e);
        this.queue = this.queue.filter(isTask);
        await this.drop();
        continue;
      }
      for (const entry of batch) entry.resolve();
    }
    this.writing = false;
  }

  private async truncate(): Promise<void> {
    if (!this.fh) throw new Error(`${this.path} is closed`);
    await this.fh.truncate(0);
    this.onSync?.(this.path);
    await this.fh.datasync();
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    // after everything queued so far: appends called later are rejected
    if (this.busy) await this.exclusive(() => this.drop());
    else await this.drop();
  }

  private async drop(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => undefined);
  }
}
