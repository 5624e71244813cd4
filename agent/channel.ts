import { Dealer } from 'zeromq';
import { SendQueue } from '../lib/send-queue.js';
import { seal } from '../lib/wire.js';
import type { WireRequester, WireType } from '../lib/wire-ops.js';

interface ChannelReply { body: Record<string, unknown>; data?: Buffer }

export class RequestTimeout extends Error {
  constructor(type: string, seconds: number) { super(`no answer from the master to ${type} within ${seconds}s`); }
}

/**
 * The agent's request channel to the master: a CURVE-encrypted DEALER (the
 * master's key is verified by the handshake); every message MACed with the
 * agent's key. Replies are matched to requests by nonce. ZeroMQ reconnects by
 * itself, with exponential backoff from a jittered start.
 */
export class MasterChannel {
  private readonly sock: Dealer;
  private readonly waiting = new Map<string, { resolve: (r: ChannelReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; type: string }>();
  private readonly id: string;
  private readonly macKey: Buffer;
  private readonly sends: SendQueue;
  private closed = false;

  constructor(o: { endpoint: string; masterKey: string; publicKey: string; secretKey: string; macKey: Buffer; id: string; reconnectMaxMs: number; maxMessageSize?: number }) {
    this.sock = new Dealer({
      curveServerKey: o.masterKey, curvePublicKey: o.publicKey, curveSecretKey: o.secretKey,
      reconnectInterval: 100 + Math.floor(Math.random() * 400), reconnectMaxInterval: o.reconnectMaxMs,
      linger: 0, sendHighWaterMark: 10_000, ...(o.maxMessageSize ? { maxMessageSize: o.maxMessageSize } : {}),
    });
    this.sock.connect(o.endpoint);
    this.sends = new SendQueue(this.sock);
    this.id = o.id;
    this.macKey = o.macKey;
    void this.receive().catch(() => undefined); // the socket only fails when closed
  }

  get events() { return this.sock.events; }

  private async receive(): Promise<void> {
    try {
      for await (const [head, data] of this.sock) {
        let reply: Record<string, unknown>;
        try { reply = JSON.parse(head.toString('utf8')) as Record<string, unknown>; } catch { continue; }
        // `re` names the request answered; the rest is the reply body (lib/wire-ops.ts)
        const { re, ...body } = reply;
        const w = this.waiting.get(String(re));
        if (!w) continue;
        this.waiting.delete(String(re));
        clearTimeout(w.timer);
        w.resolve({ body, data });
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  /** One request, typed by lib/wire-ops.ts; rejects with RequestTimeout when no answer comes in `timeoutSec`. */
  readonly request: WireRequester = ((type: WireType, body: unknown, timeoutSec?: number) => this.send(type, body, timeoutSec)) as WireRequester;

  private async send(type: WireType, body: unknown, timeoutSec = 10): Promise<ChannelReply> {
    const frames = seal(this.macKey, type, this.id, body);
    const nonce = (JSON.parse(frames[0].toString()) as { nonce: string }).nonce;
    const reply = new Promise<ChannelReply>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(nonce); reject(new RequestTimeout(type, timeoutSec)); }, timeoutSec * 1000);
      this.waiting.set(nonce, { resolve, reject, timer, type });
    });
    // while disconnected the message waits in ZeroMQ's queue and goes out on reconnect
    this.sends.send(frames).catch(() => undefined);
    return reply;
  }

  /** Pending requests fail as timed out, so callers retry on the next channel. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.values()) { clearTimeout(w.timer); w.reject(new RequestTimeout(w.type, 0)); }
    this.waiting.clear();
    this.sock.close();
  }
}
