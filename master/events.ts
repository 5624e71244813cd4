import { EventEmitter } from 'node:events';
import type { UmecEvent } from '../lib/messages.js';

/** The master's event bus: key, job, return and agent events, as they happen. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  fire(tag: string, data: Record<string, unknown> = {}): void {
    const ev: UmecEvent = { tag, ts: new Date().toISOString(), data };
    this.emitter.emit('event', ev);
  }

  subscribe(fn: (ev: UmecEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
