import { join } from 'node:path';
import { Publisher, Router } from 'zeromq';
import { UmecError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { JobMessage } from '../lib/messages.js';
import type { MasterConfig } from './config.js';
import { ControlServer } from './control.js';
import { MasterCore } from './core.js';
import type { JobStore } from './jobcache/store.js';
import { RetServer } from './ret-server.js';
import { ZapHandler } from './zap.js';
import { masterScheduler } from './schedule.js';
import type { Scheduler } from '../lib/scheduler.js';
import { SendQueue } from '../lib/send-queue.js';
import { backoffDelay, sleep } from '../lib/retry.js';

const PUB_DOMAIN = 'umec-pub';

/**
 * libzmq's per-connection I/O batch buffers default to 8 KB each way; with
 * thousands of agents that dominates the master's memory (measured: ~19 KB
 * per agent saved at 1 KB). Draft options 101/102 (ZMQ_IN/OUT_BATCH_SIZE),
 * not named by zeromq.js, hence the protected setter.
 */
function smallBatches(sock: object): void {
  const set = (sock as { setInt32Option?: (opt: number, v: number) => void }).setInt32Option;
  try {
    set?.call(sock, 101, 1024);
    set?.call(sock, 102, 1024);
  } catch { /* a libzmq without draft options keeps its defaults */ }
}

async function bindOrExplain(sock: { bind(ep: string): Promise<void> }, endpoint: string): Promise<void> {
  try {
    await sock.bind(endpoint);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'address already in use (another master running?)' : String((e as Error).message);
    throw new UmecError('LISTEN', { endpoint, reason, code });
  }
}
const RET_DOMAIN = 'umec-ret';

/**
 * The master daemon: a CURVE-encrypted publish socket that only accepted keys
 * may join (jobs go out there), a CURVE-encrypted request socket that rejected
 * keys may not join (key requests, returns, files, pillar), and the local
 * control socket for the CLI.
 */
export class MasterDaemon {
  private pub?: Publisher;
  private pubQueue?: SendQueue;
  private ret?: Router;
  private zap?: ZapHandler;
  private control?: ControlServer;
  private scheduler?: Scheduler;
  private running = false;
  core!: MasterCore;

  constructor(private readonly config: MasterConfig, private readonly log: Logger, private readonly store?: JobStore) {}

  async start(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      // a half-started master must not keep the process alive
      this.ret?.close();
      this.pub?.close();
      this.zap?.close();
      await this.scheduler?.stop();
      await this.control?.stop().catch(() => undefined);
      throw e;
    }
  }

  private async open(): Promise<void> {
    this.core = await MasterCore.open(this.config, this.log, (m) => this.publish(m), this.store);
    const keys = this.core.keys;
    this.zap = new ZapHandler((domain, key, address) => {
      const k = keys.byPublicKey(key);
      const ok = domain === PUB_DOMAIN ? k?.state === 'accepted' : k?.state !== 'rejected';
      if (!ok) this.log.info({ domain, address, agent: k?.id }, 'connection refused by key policy');
      return ok;
    });
    this.zap.onError = (e) => {
      this.log.fatal({ err: e }, 'the authentication handler failed; stopping');
      void this.stop().finally(() => { process.exitCode = 1; });
    };
    await this.zap.start();
    this.pub = await this.bindPublisher();
    this.pubQueue = new SendQueue(this.pub);
    this.ret = new Router({ curveServer: true, curveSecretKey: this.core.pair.secretKey, zapDomain: RET_DOMAIN, linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000 });
    smallBatches(this.ret);
    await bindOrExplain(this.ret, `tcp://${this.config.interface}:${this.config.return_port}`);
    this.core.onKeysRevoked = async (ids) => {
      // a publisher cannot drop one subscriber: rebind, so every agent reconnects through ZAP again
      this.log.info({ agents: ids }, 'keys revoked; rebinding the publish socket');
      this.pub?.close();
      await this.rebindPublisher();
    };
    const retServer = new RetServer({
      keys, agents: this.core.agents, jobs: this.core.jobs, files: this.core.files, pillar: this.core.pillar,
      events: this.core.events, log: this.log, masterSecret: this.core.pair.secretKey, publishPort: this.config.publish_port,
      autosignGrains: this.config.autosign_grains, apps: this.core.apps,
      tokens: this.core.tokens, enrolNotes: this.core.enrolNotes, store: this.core.store,
    });
    this.running = true;
    void this.serve(retServer);
    this.control = new ControlServer(join(this.config.data_dir, 'master.sock'), this.core, this.log);
    await this.control.start();
    this.scheduler = masterScheduler(this.core, this.config.schedule ?? {}, this.log);
    this.core.schedules = () => this.scheduler?.list() ?? [];
    await this.scheduler.start();
    if (this.config.autosign_tokens.length) {
      this.log.warn('autosign_tokens in master.yaml never expire and admit any number of boxes; prefer umec token create');
    }
    if (Object.keys(this.config.autosign_grains).length) {
      this.log.warn('autosign_grains accepts any box that claims those grains; use it only on a trusted network');
    }
    this.core.events.fire('umec/master/start', { pubkey: this.core.pair.publicKey });
    this.log.info({ publish_port: this.config.publish_port, return_port: this.config.return_port, pubkey: this.core.pair.publicKey }, 'master started');
  }

  private async bindPublisher(): Promise<Publisher> {
    const pub = new Publisher({ curveServer: true, curveSecretKey: this.core.pair.secretKey, zapDomain: PUB_DOMAIN, linger: 0, sendHighWaterMark: 100_000 });
    smallBatches(pub);
    for (let attempt = 0; ; attempt++) {
      try {
        await bindOrExplain(pub, `tcp://${this.config.interface}:${this.config.publish_port}`);
        return pub;
      } catch (e) {
        if (attempt >= 20 || (e as UmecError).details?.code !== 'EADDRINUSE') throw e;
        await sleep(50);
      }
    }
  }

  /** Rebinds the publish socket, retrying until it works: without it no job reaches any agent. */
  private async rebindPublisher(): Promise<void> {
    for (let attempt = 0; this.running; attempt++) {
      try {
        this.pub = await this.bindPublisher();
        this.pubQueue = new SendQueue(this.pub);
        return;
      } catch (e) {
        this.log.error({ err: e, attempt }, 'rebinding the publish socket failed; retrying');
        await sleep(backoffDelay(attempt + 1, { base: 100, max: 5000, jitter: 0 }));
      }
    }
  }

  private async publish(m: JobMessage): Promise<void> {
    await this.pubQueue!.send(['job', JSON.stringify(m)]);
  }

  private async serve(server: RetServer): Promise<void> {
    const sock = this.ret!;
    const replies = new SendQueue(sock);
    try {
      for await (const [routing, ...frames] of sock) {
        server.handle(frames).then(async (reply) => {
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

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.core.events.fire('umec/master/stop', {});
    await this.scheduler?.stop();
    this.core.jobs.stop();
    await this.control?.stop();
    this.ret?.close();
    this.pub?.close();
    this.zap?.close();
    await this.core.store.close();
    this.log.info('master stopped');
  }
}
