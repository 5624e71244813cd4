/**
 * A mutex for async work: run() calls start one after the other, in call order. A failed
 * call rejects its own caller only; the next one still runs.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => undefined);
    return p;
  }
}
