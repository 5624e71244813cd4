/**
 * Jittered exponential backoff, the one formula every retry loop in umec uses:
 * delay(attempt) = min(max, base · 2^(attempt-1)) · (1 ± jitter), attempt counted from 1.
 * Jitter spreads a fleet out so that boxes cut off together do not come back together.
 */
export interface Backoff {
  /** First delay, ms. */
  base: number;
  /** Cap on the delay before jitter, ms (default: no cap). */
  max?: number;
  /** Fraction of the delay drawn at random either way (0.25 → 0.75..1.25 times); default 0.25. */
  jitter?: number;
}

export function backoffDelay(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const raw = b.base * 2 ** Math.max(0, attempt - 1);
  const capped = b.max === undefined ? raw : Math.min(b.max, raw);
  const jitter = b.jitter ?? 0.25;
  return capped * (1 - jitter + 2 * jitter * random());
}

/** Waits ms; an abort rejects with the signal's reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) { reject(abortReason(signal)); return; }
    const onAbort = () => { clearTimeout(t); reject(abortReason(signal!)); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const abortReason = (s: AbortSignal): Error => (s.reason instanceof Error ? s.reason : new Error('cancelled'));
