/** Token buckets per key: `rate` requests per second, bursts up to 2x rate. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly rate: number, private readonly now: () => number = Date.now) {}

  /** True when the request may go ahead; otherwise the seconds to wait. */
  take(key: string): true | number {
    if (this.rate <= 0) return true;
    const t = this.now();
    const cap = this.rate * 2;
    const b = this.buckets.get(key) ?? { tokens: cap, at: t };
    b.tokens = Math.min(cap, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.buckets.clear();
    if (b.tokens >= 1) { b.tokens -= 1; return true; }
    return Math.ceil((1 - b.tokens) / this.rate);
  }
}
