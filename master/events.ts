import { EventEmitter } from 'node:events';
import type { UmecEvent } from '../lib/messages.js';

/** The master's event bus: key, job, return and agent events, as they happen. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  /** The latest events, so `umec events --recent` can show what happened before it was started (e.g. commissioning attempts). */
  private readonly ring: UmecEvent[] = [];
  static readonly KEEP = 1000;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  fire(tag: string, data: Record<string, unknown> = {}): void {
    const ev: UmecEvent = { tag, ts: new Date().toISOString(), data };
    this.ring.push(ev);
    if (this.ring.length > EventBus.KEEP) this.ring.splice(0, this.ring.length - EventBus.KEEP);
    this.emitter.emit('event', ev);
  }

  /** Up to n of the latest events, oldest first. */
  recent(n: number): UmecEvent[] {
    return n > 0 ? this.ring.slice(-Math.min(n, EventBus.KEEP)) : [];
  }

  subscribe(fn: (ev: UmecEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
