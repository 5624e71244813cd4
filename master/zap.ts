import { Router } from 'zeromq';
import { z85Encode } from '../lib/z85.js';

/**
 * ZeroMQ's authentication hook (ZAP, RFC 27): libzmq asks it about every
 * CURVE handshake on sockets that set a zapDomain; `allow(domain, key)`
 * decides. Without it a CURVE server accepts any client key.
 */
export class ZapHandler {
  private readonly socket = new Router();
  private running = false;

  /** `onError`: without ZAP answers no agent can connect, so callers log and stop the daemon. */
  constructor(private readonly allow: (domain: string, publicKeyZ85: string, address: string) => boolean,
    private readonly onError: (e: unknown) => void) {}

  async start(): Promise<void> {
    await this.socket.bind('inproc://zeromq.zap.01');
    this.running = true;
    void this.loop().catch((e: unknown) => this.onError(e));
  }

  private async loop(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const [peer, empty, version, requestId, domain, address, , mechanism, credential] = frames;
        const ok = version?.toString() === '1.0' && mechanism?.toString() === 'CURVE' && credential?.length === 32
          && this.allow(domain.toString(), z85Encode(credential), address.toString());
        await this.socket.send([peer, empty, '1.0', requestId, ok ? '200' : '400', ok ? 'OK' : 'Denied', '', '']);
      }
    } catch (e) {
      if (this.running) throw e;
    }
  }

  close(): void {
    this.running = false;
    this.socket.close();
  }
}
