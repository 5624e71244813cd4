/**
 * Rate limit for repeated log lines about one thing (a source address, a master): the first
 * occurrence is logged at once, later ones within `intervalMs` are only counted, and the next
 * occurrence after the interval is logged with how many were held back. A flood of refused
 * connections thus costs one line per key per interval, and none is lost from the count.
 */
export class LogThrottle {
  private readonly seen = new Map<string, { last: number; held: number }>();

  /** `maxKeys` bounds memory when the keys come from the network (oldest forgotten first). */
  constructor(private readonly intervalMs: number, private readonly maxKeys = 1000, private readonly now: () => number = Date.now) {}

  /** Whether to log this occurrence now, and how many occurrences of the key were held back before it. */
  hit(key: string): { log: boolean; held: number } {
    const t = this.now();
    const s = this.seen.get(key);
    if (s && t - s.last < this.intervalMs) {
      s.held++;
      return { log: false, held: 0 };
    }
    const held = s?.held ?? 0;
    this.seen.delete(key);
    if (this.seen.size >= this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { last: t, held: 0 });
    return { log: true, held };
  }
}
