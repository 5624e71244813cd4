import { createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, randomBytes, timingSafeEqual } from 'node:crypto';
import { z85Decode } from './z85.js';

/**
 * Messages from an agent to the master travel inside CurveZMQ (encrypted, the
 * master's key verified) and are also MACed with a key only that agent and the
 * master can derive (X25519 of the agent's CURVE key with the master's), so an
 * agent cannot speak for another one. Header: who, what, when, nonce.
 */
export const PROTOCOL_VERSION = 1;

export interface Header {
  v: number;
  type: string;
  id: string;
  ts: number;
  nonce: string;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** HMAC key shared by one agent and the master: sha256(X25519(mine, theirs)). */
export function sharedKey(mySecretZ85: string, theirPublicZ85: string): Buffer {
  const priv = z85Decode(mySecretZ85);
  const pub = z85Decode(theirPublicZ85);
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(priv), x: b64u(x25519Public(priv)) }, format: 'jwk' });
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(pub) }, format: 'jwk' });
  return createHash('sha256').update(diffieHellman({ privateKey, publicKey })).digest();
}

export function x25519Public(priv: Buffer): Buffer {
  // node needs x in the JWK; derive it from d by a throwaway import without x
  const k = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
  return Buffer.from(createPublicKey(k).export({ format: 'jwk' }).x as string, 'base64url');
}

function mac(key: Buffer, header: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', key).update(header).update('\0').update(body).digest();
}

/** Frames [header, body, mac] for a message from `id`. */
export function seal(key: Buffer, type: string, id: string, body: unknown, now = Date.now()): Buffer[] {
  const header: Header = { v: PROTOCOL_VERSION, type, id, ts: now, nonce: randomBytes(12).toString('base64url') };
  const h = Buffer.from(JSON.stringify(header));
  const b = Buffer.from(JSON.stringify(body ?? null));
  return [h, b, mac(key, h, b)];
}

export class WireError extends Error {
  constructor(readonly reason: 'malformed' | 'forged' | 'stale' | 'replayed' | 'unknown-agent', message: string) {
    super(message);
  }
}

/** Header of frames, parsed but not yet authenticated. Throws WireError('malformed'). */
export function peekHeader(frames: Buffer[]): Header {
  if (frames.length !== 3 || frames[2].length !== 32) throw new WireError('malformed', `expected 3 frames with a 32-byte MAC, got ${frames.length}`);
  let h: unknown;
  try { h = JSON.parse(frames[0].toString('utf8')); } catch { throw new WireError('malformed', 'header is not JSON'); }
  const ok = h && typeof h === 'object' && (h as Header).v === PROTOCOL_VERSION && typeof (h as Header).type === 'string'
    && typeof (h as Header).id === 'string' && Number.isFinite((h as Header).ts) && typeof (h as Header).nonce === 'string'
    && (h as Header).nonce.length >= 8 && (h as Header).nonce.length <= 64;
  if (!ok) throw new WireError('malformed', 'header lacks v/type/id/ts/nonce');
  return h as Header;
}

/** Verifies the MAC with `key` and returns the body. Throws WireError. */
export function openBody(frames: Buffer[], key: Buffer): unknown {
  const expected = mac(key, frames[0], frames[1]);
  if (!timingSafeEqual(expected, frames[2])) throw new WireError('forged', 'MAC does not match the agent key');
  try { return JSON.parse(frames[1].toString('utf8')); } catch { throw new WireError('malformed', 'body is not JSON'); }
}

/** Rejects messages outside a time window and nonces seen within it. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastPrune = 0;

  constructor(private readonly windowMs = 120_000) {}

  check(h: Header, now = Date.now()): void {
    if (Math.abs(now - h.ts) > this.windowMs) throw new WireError('stale', `timestamp ${new Date(h.ts).toISOString()} outside the ${this.windowMs / 1000}s window`);
    const k = `${h.id}\0${h.nonce}`;
    if (this.seen.has(k)) throw new WireError('replayed', 'nonce already seen');
    this.seen.set(k, h.ts);
    if (now - this.lastPrune > this.windowMs / 4) {
      this.lastPrune = now;
      for (const [key, ts] of this.seen) if (Math.abs(now - ts) > this.windowMs) this.seen.delete(key);
    }
  }
}
