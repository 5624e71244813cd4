import { Dealer } from 'zeromq';
import type { Logger } from '../lib/log.js';
import { compileValidator, type Validator } from '../lib/schema.js';
import { SendQueue } from '../lib/send-queue.js';
import { seal } from '../lib/wire.js';
import { WIRE_OPS, type WireRequester, type WireType } from '../lib/wire-ops.js';

interface ChannelReply { body: unknown; data?: Buffer }

/** No usable answer from the master: callers retry (or fail over) as after silence. */
export class NoAnswer extends Error {}

export class RequestTimeout extends NoAnswer {
  constructor(type: string, seconds: number) { super(`no answer from the master to ${type} within ${seconds}s`); }
}

/** The master's reply broke its schema in lib/wire-ops.ts; the message names the field. */
export class MalformedReply extends NoAnswer {
  constructor(type: string, problems: string[]) { super(`malformed reply from the master to ${type}: ${problems.join('; ')}`.slice(0, 400)); }
}

/** One validator per reply schema, compiled when first needed. */
const replyChecks = new Map<WireType, Validator>();
function replyProblems(type: WireType, body: unknown): string[] | undefined {
  let v = replyChecks.get(type);
  if (!v) replyChecks.set(type, v = compileValidator(WIRE_OPS[type].reply, type));
  return v(body);
}

/**
 * The agent's request channel to the master: a CURVE-encrypted DEALER (the
 * master's key is verified by the handshake); every message MACed with the
 * agent's key. Replies are matched to requests by nonce. ZeroMQ reconnects by
 * itself, with exponential backoff from a jittered start.
 */
export class MasterChannel {
  private readonly sock: Dealer;
  private readonly waiting = new Map<string, { resolve: (r: ChannelReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; type: WireType }>();
  private readonly id: string;
  private readonly macKey: Buffer;
  private readonly sends: SendQueue;
  private readonly log?: Logger;
  private closed = false;

  constructor(o: { endpoint: string; masterKey: string; publicKey: string; secretKey: string; macKey: Buffer; id: string; reconnectMaxMs: number; log?: Logger; maxMessageSize?: number }) {
    this.sock = new Dealer({
      curveServerKey: o.masterKey, curvePublicKey: o.publicKey, curveSecretKey: o.secretKey,
      reconnectInterval: 100 + Math.floor(Math.random() * 400), reconnectMaxInterval: o.reconnectMaxMs,
      linger: 0, sendHighWaterMark: 10_000, ...(o.maxMessageSize ? { maxMessageSize: o.maxMessageSize } : {}),
    });
    this.sock.connect(o.endpoint);
    this.sends = new SendQueue(this.sock);
    this.id = o.id;
    this.macKey = o.macKey;
    this.log = o.log;
    void this.receive().catch(() => undefined); // the socket only fails when closed
  }

  get events() { return this.sock.events; }

  private async receive(): Promise<void> {
    try {
      for await (const [head, data] of this.sock) {
        let reply: unknown;
        try { reply = JSON.parse(head.toString('utf8')); } catch { this.log?.warn('unreadable reply from the master dropped'); continue; }
        if (!reply || typeof reply !== 'object' || Array.isArray(reply)) { this.log?.warn('a reply from the master that is not an object dropped'); continue; }
        // `re` names the request answered; the rest is the reply body (lib/wire-ops.ts)
        const { re, ...body } = reply as Record<string, unknown>;
        const w = typeof re === 'string' ? this.waiting.get(re) : undefined;
        if (!w) continue;
        this.waiting.delete(re as string);
        clearTimeout(w.timer);
        const problems = replyProblems(w.type, body);
        if (problems) {
          const e = new MalformedReply(w.type, problems);
          this.log?.warn(e.message);
          w.reject(e);
        } else w.resolve({ body, data });
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  /**
   * One request, typed by lib/wire-ops.ts; rejects with RequestTimeout when no answer comes in `timeoutSec`,
   * with MalformedReply when the answer breaks its reply schema (both are NoAnswer).
   */
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
