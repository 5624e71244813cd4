import { appendFile } from 'node:fs/promises';
import type { Logger } from '../../lib/log.js';

export interface DeliveryAttempt { at: string; error: string }

export interface DroppedNotification {
  droppedAt: string;
  subscription: string;
  callbackReference: string;
  notificationType: string;
  attempts: DeliveryAttempt[];
}

/**
 * POSTs notifications to subscribers' callbacks. A failed delivery (network
 * error, timeout or a non-2xx answer) is retried with exponential backoff and
 * jitter; after maxAttempts it is dropped and recorded, with every attempt,
 * as one JSON line in the dropped file.
 */
export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<AbortController>();
  private closed = false;
  delivered = 0;
  dropped = 0;

  constructor(private readonly o: { maxAttempts: number; backoffMs: number; timeoutMs: number; droppedFile: string; log: Logger }) {}

  send(subscription: string, callbackReference: string, body: { notificationType: string }): void {
    void this.attempt(subscription, callbackReference, body, []);
  }

  private async attempt(subscription: string, url: string, body: { notificationType: string }, attempts: DeliveryAttempt[]): Promise<void> {
    if (this.closed) return;
    const ac = new AbortController();
    this.inflight.add(ac);
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${this.o.timeoutMs} ms`)), this.o.timeoutMs);
    let error: string | undefined;
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ac.signal, redirect: 'error' });
      await r.arrayBuffer().catch(() => undefined);
      if (r.status < 200 || r.status >= 300) error = `HTTP ${r.status}`;
    } catch (e) {
      const c = (e as { cause?: { code?: string; message?: string } }).cause;
      error = ac.signal.aborted ? String((ac.signal.reason as Error)?.message ?? 'aborted') : c?.code ?? c?.message ?? (e as Error).message;
    } finally {
      clearTimeout(timer);
      this.inflight.delete(ac);
    }
    if (error === undefined) { this.delivered++; return; }
    if (this.closed) return;
    attempts = [...attempts, { at: new Date().toISOString(), error }];
    if (attempts.length >= this.o.maxAttempts) {
      this.dropped++;
      const rec: DroppedNotification = { droppedAt: new Date().toISOString(), subscription, callbackReference: url, notificationType: body.notificationType, attempts };
      this.o.log.warn({ subscription, callback: url, attempts: attempts.length, error }, 'notification dropped after its last attempt');
      await appendFile(this.o.droppedFile, `${JSON.stringify(rec)}\n`, { mode: 0o600 }).catch((e: unknown) => this.o.log.error({ err: e }, 'cannot record a dropped notification'));
      return;
    }
    const delay = this.o.backoffMs * 2 ** (attempts.length - 1) * (0.75 + Math.random() * 0.5);
    const t = setTimeout(() => { this.timers.delete(t); void this.attempt(subscription, url, body, attempts); }, delay);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const ac of this.inflight) ac.abort(new Error('shutting down'));
  }
}
