import { Publisher } from 'zeromq';
import type { UmecError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { JobMessage } from '../lib/messages.js';
import { backoffDelay, sleep } from '../lib/retry.js';
import { SendQueue } from '../lib/send-queue.js';
import type { Service } from '../lib/services.js';
import type { JobChannel } from './core.js';
import { bindOrExplain, PUB_DOMAIN, smallBatches } from './sockets.js';

const SUBSCRIPTION_MAX = 4096;

/**
 * The CURVE publish socket jobs go out on; only accepted keys may join (ZAP domain umec-pub).
 * A publisher cannot drop one subscriber, so revoking keys rebinds it and every agent
 * reconnects through ZAP again.
 */
export class JobPublisher implements Service, JobChannel {
  readonly name = 'publish socket';
  private pub?: Publisher;
  private queue?: SendQueue;
  private running = false;

  constructor(private readonly endpoint: string, private readonly secretKey: string, private readonly log: Logger) {}

  async start(): Promise<void> {
    await this.bind();
    this.running = true;
  }

  async publish(m: JobMessage): Promise<void> {
    await this.queue!.send(['job', JSON.stringify(m)]);
  }

  async revoke(ids: string[]): Promise<void> {
    this.log.info({ agents: ids }, 'keys revoked; rebinding the publish socket');
    this.pub?.close();
    // retried until it works: without it no job reaches any agent
    for (let attempt = 0; this.running; attempt++) {
      try {
        await this.bind();
        return;
      } catch (e) {
        this.log.error({ err: e, attempt }, 'rebinding the publish socket failed; retrying');
        await sleep(backoffDelay(attempt + 1, { base: 100, max: 5000, jitter: 0 }));
      }
    }
  }

  stop(): Promise<void> {
    this.running = false;
    this.pub?.close();
    return Promise.resolve();
  }

  private async bind(): Promise<void> {
    // subscribers only send subscriptions ("job"): anything bigger than a few KiB cuts the connection
    const pub = new Publisher({ curveServer: true, curveSecretKey: this.secretKey, zapDomain: PUB_DOMAIN, linger: 0, sendHighWaterMark: 100_000, maxMessageSize: SUBSCRIPTION_MAX });
    smallBatches(pub);
    // the port of the socket just closed may take a moment to be free again
    for (let attempt = 0; ; attempt++) {
      try {
        await bindOrExplain(pub, this.endpoint);
        break;
      } catch (e) {
        if (attempt >= 20 || (e as UmecError).details?.code !== 'EADDRINUSE') { pub.close(); throw e; }
        await sleep(50);
      }
    }
    this.pub = pub;
    this.queue = new SendQueue(pub);
  }
}
