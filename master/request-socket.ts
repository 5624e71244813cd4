import { Router } from 'zeromq';
import type { Logger } from '../lib/log.js';
import { SendQueue } from '../lib/send-queue.js';
import type { Service } from '../lib/services.js';
import type { RetServer } from './ret-server.js';
import { bindOrExplain, RET_DOMAIN, smallBatches, watchHandshakes } from './sockets.js';

/**
 * The CURVE request socket (ZAP domain umec-ret: any key not rejected): key requests, returns,
 * files, pillar. Each request is handled concurrently; its reply carries the request's nonce.
 */
export class RequestSocket implements Service {
  readonly name = 'request socket';
  private readonly sock: Router;
  private running = false;

  /**
   * `maxMessageSize`: libzmq cuts a connection whose message is bigger, before reading it into memory.
   * `masterFingerprint` goes into the log line about refused handshakes, to compare with the agents' master_pubkey.
   */
  constructor(private readonly endpoint: string, secretKey: string, private readonly server: RetServer, private readonly log: Logger,
    maxMessageSize = 64 * 1024 * 1024, masterFingerprint = '') {
    this.sock = new Router({
      curveServer: true, curveSecretKey: secretKey, zapDomain: RET_DOMAIN, linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000,
      maxMessageSize,
    });
    smallBatches(this.sock);
    watchHandshakes(this.sock, 'the request socket', log, masterFingerprint);
  }

  async start(): Promise<void> {
    await bindOrExplain(this.sock, this.endpoint);
    this.running = true;
    void this.serve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.sock.close();
    return Promise.resolve();
  }

  private async serve(): Promise<void> {
    const replies = new SendQueue(this.sock);
    try {
      for await (const [routing, ...frames] of this.sock) {
        this.server.handle(frames).then(async (reply) => {
          if (!reply || !this.running) return;
          const nonce = (() => { try { return (JSON.parse(frames[0].toString()) as { nonce?: string }).nonce; } catch { return undefined; } })();
          const out = [routing, JSON.stringify({ re: nonce, ...reply.body })];
          await replies.send(reply.data ? [...out, reply.data] : out);
        }).catch((e: unknown) => this.log.error({ err: e }, 'request handling failed'));
      }
    } catch (e) {
      if (this.running) this.log.error({ err: e }, 'request socket failed');
    }
  }
}
