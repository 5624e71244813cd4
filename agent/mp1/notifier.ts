import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Logger } from '../../lib/log.js';
import { backoffDelay } from '../../lib/retry.js';
import { CallbackPolicy } from './callback-policy.js';

export interface DeliveryAttempt { at: string; error: string }

export interface DroppedNotification {
  droppedAt: string;
  subscription: string;
  callbackReference: string;
  notificationType: string;
  attempts: DeliveryAttempt[];
}

/** A notification not yet delivered or dropped, as kept on disk. */
export interface PendingNotification { subscription: string; callbackReference: string; body: { notificationType: string }; attempts: DeliveryAttempt[] }

/** Where undelivered notifications are kept so that a restart resumes them (the registry's log). */
export interface NotificationStore {
  put(id: string, p: PendingNotification): Promise<void>;
  delete(id: string): Promise<void>;
  pending(): Array<[string, PendingNotification]>;
}

/**
 * POSTs notifications to subscribers' callbacks. A failed delivery (network
 * error, timeout or a non-2xx answer) is retried with exponential backoff and
 * jitter; after maxAttempts it is dropped and recorded, with every attempt,
 * as one JSON line in the dropped file. Undelivered notifications are kept
 * in the store and resumed, with their attempts so far, after a restart.
 */
export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<AbortController>();
  private closed = false;
  delivered = 0;
  dropped = 0;

  private readonly policy: CallbackPolicy;

  /** `callbacks`: where callbacks may point (default: the built-in denials, nothing allowed extra). */
  constructor(private readonly o: { maxAttempts: number; backoffMs: number; timeoutMs: number; droppedFile: string; log: Logger; store?: NotificationStore; callbacks?: CallbackPolicy }) {
    this.policy = o.callbacks ?? new CallbackPolicy();
  }

  /** Why a subscription may not use this callback (resolving its name), or undefined. */
  checkCallback(url: string): Promise<string | undefined> {
    return this.policy.check(url);
  }

  send(subscription: string, callbackReference: string, body: { notificationType: string }): void {
    const id = randomUUID();
    // the first attempt goes out at once; the record only matters if the agent stops before delivery
    this.keep(id, { subscription, callbackReference, body, attempts: [] });
    void this.attempt(id, subscription, callbackReference, body, []);
  }

  /** Resumes notifications a previous run left undelivered. */
  resume(): number {
    const pending = this.o.store?.pending() ?? [];
    for (const [id, p] of pending) void this.attempt(id, p.subscription, p.callbackReference, p.body, p.attempts);
    return pending.length;
  }

  private keep(id: string, p: PendingNotification | undefined): void {
    const s = this.o.store;
    if (!s) return;
    // a store that throws (a value it cannot write) is reported like one that rejects
    new Promise<void>((resolve) => { resolve(p ? s.put(id, p) : s.delete(id)); })
      .catch((e: unknown) => this.o.log.error({ err: e }, 'cannot record a pending notification'));
  }

  private async attempt(id: string, subscription: string, url: string, body: { notificationType: string }, attempts: DeliveryAttempt[]): Promise<void> {
    if (this.closed) return;
    const ac = new AbortController();
    this.inflight.add(ac);
    let error: string | undefined;
    try {
      const status = await post(url, JSON.stringify(body), this.o.timeoutMs, ac.signal, this.policy);
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    } finally {
      this.inflight.delete(ac);
    }
    if (this.closed) return;
    if (error === undefined) { this.delivered++; this.keep(id, undefined); return; }
    attempts = [...attempts, { at: new Date().toISOString(), error }];
    if (attempts.length >= this.o.maxAttempts) {
      this.dropped++;
      this.keep(id, undefined);
      const rec: DroppedNotification = { droppedAt: new Date().toISOString(), subscription, callbackReference: url, notificationType: body.notificationType, attempts };
      this.o.log.warn({ subscription, callback: url, attempts: attempts.length, error }, 'notification dropped after its last attempt');
      await appendFile(this.o.droppedFile, `${JSON.stringify(rec)}\n`, { mode: 0o600 }).catch((e: unknown) => this.o.log.error({ err: e }, 'cannot record a dropped notification'));
      return;
    }
    const delay = backoffDelay(attempts.length, { base: this.o.backoffMs });
    this.keep(id, { subscription, callbackReference: url, body, attempts });
    const t = setTimeout(() => { this.timers.delete(t); void this.attempt(id, subscription, url, body, attempts); }, delay);
    this.timers.add(t);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    for (const ac of this.inflight) ac.abort(new Error('shutting down'));
  }
}

/** One POST with node's own client (fetch refuses some ports a callback may use); resolves with the status. */
function post(url: string, body: string, timeoutMs: number, signal: AbortSignal, policy: CallbackPolicy): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // an IP host is connected to without a lookup: check it here; a name is checked by the lookup, at connect time
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const why = isIP(host) ? policy.denies(host) : undefined;
    if (why) { reject(Object.assign(new Error(`${host} is a ${why} address callbacks may not reach`), { code: 'EDENIED' })); return; }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'POST', signal, timeout: timeoutMs, lookup: policy.lookup, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end(body);
  });
}
