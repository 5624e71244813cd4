/** Why a new pending key is not recorded. */
export type PendingRefusal = { why: 'cap' | 'rate'; reason: string };

/**
 * How many keys may wait for acceptance, and how fast new ones may come: any CURVE key can
 * ask, so without a bound a flood of key requests fills the pending list (and the disk)
 * faster than an admin can read it. A key admitted by a token or autosign is not pending
 * and is not limited. `notify` is told at most once per `quietMs` while requests are refused.
 */
export class PendingKeyLimit {
  private tokens: number;
  private at: number;
  private lastNotice = -Infinity;

  constructor(private readonly o: { max: number; perMinute: number; notify: (r: PendingRefusal, pending: number) => void; now?: () => number; quietMs?: number }) {
    this.tokens = o.perMinute;
    this.at = this.now();
  }

  private now(): number { return (this.o.now ?? Date.now)(); }

  /** Takes a slot for one new pending key, or says why not (and notifies, rate-limited). */
  take(pending: number): PendingRefusal | undefined {
    const t = this.now();
    this.tokens = Math.min(this.o.perMinute, this.tokens + ((t - this.at) / 60_000) * this.o.perMinute);
    this.at = t;
    let refusal: PendingRefusal | undefined;
    if (pending >= this.o.max) refusal = { why: 'cap', reason: `the master holds ${pending} pending keys (max_pending_keys ${this.o.max}); ask an admin to accept or reject keys` };
    else if (this.tokens < 1) refusal = { why: 'rate', reason: `more than ${this.o.perMinute} new keys a minute (pending_keys_per_minute); try again later` };
    if (!refusal) { this.tokens -= 1; return undefined; }
    if (t - this.lastNotice >= (this.o.quietMs ?? 10_000)) {
      this.lastNotice = t;
      this.o.notify(refusal, pending);
    }
    return refusal;
  }
}
