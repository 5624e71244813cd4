import { join } from 'node:path';
import { LogThrottle } from '../lib/log-throttle.js';
import type { Logger } from '../lib/log.js';
import { fingerprint } from '../lib/z85.js';
import { service, ServiceGroup } from '../lib/services.js';
import type { MasterConfig } from './config.js';
import { ControlServer } from './control.js';
import { masterKeyPair, openMasterCore, type MasterCore } from './core.js';
import type { JobStore } from './jobcache/store.js';
import { JobPublisher } from './publisher.js';
import { RequestSocket } from './request-socket.js';
import { RetServer } from './ret-server.js';
import { PendingKeyLimit } from './pending-limit.js';
import { PUB_DOMAIN } from './sockets.js';
import { ZapHandler } from './zap.js';

/**
 * The master daemon, a composition root: the core (state and operations) and the services around
 * it, started in this order and stopped in reverse: the ZAP handler (which keys may join which
 * socket), the CURVE publish socket that only accepted keys may join (jobs go out there), the
 * CURVE request socket that rejected keys may not join (key requests, returns, files, pillar),
 * the local control socket for the CLI, and the schedules.
 */
export class MasterDaemon {
  private stopped = false;

  private constructor(readonly core: MasterCore, private readonly services: ServiceGroup, private readonly log: Logger) {}

  /** Builds the master complete and starts it; a half-started master closes what it opened. */
  static async start(config: MasterConfig, log: Logger, store?: JobStore): Promise<MasterDaemon> {
    const pair = await masterKeyPair(config);
    const publisher = new JobPublisher(`tcp://${config.interface}:${config.publish_port}`, pair.secretKey, log);
    const core = await openMasterCore({ config, log, pair, channel: publisher, store });
    // refusals are logged per source address, once a minute with the count (a refused agent retries for ever)
    const refusals = new LogThrottle(60_000);
    const zap = new ZapHandler((domain, key, address) => {
      const k = core.keys.byPublicKey(key);
      const ok = domain === PUB_DOMAIN ? k?.state === 'accepted' : k?.state !== 'rejected';
      if (!ok) {
        const { log: now, held } = refusals.hit(`${address}\0${domain}`);
        if (now) log.warn({ domain, address, agent: k?.id, state: k?.state ?? 'unknown', fingerprint: fingerprint(key), ...(held ? { refused_since_last_report: held } : {}) }, 'connection refused by key policy');
      }
      return ok;
    }, (e) => {
      // without ZAP answers no agent can connect
      log.fatal({ err: e }, 'the authentication handler failed; stopping');
      void daemon.stop().finally(() => { process.exitCode = 1; });
    });
    const pendingLimit = new PendingKeyLimit({
      max: config.max_pending_keys, perMinute: config.pending_keys_per_minute,
      notify: (r, pending) => {
        log.warn({ why: r.why, pending }, `key requests of new agents refused: ${r.reason}`);
        core.events.fire('umec/key/limit', { why: r.why, pending, reason: r.reason });
      },
    });
    const retServer = new RetServer({
      keys: core.keys, agents: core.agents, jobs: core.jobs, files: core.files, pillar: core.pillar,
      trustedGrains: (id) => core.trustedGrains(id), events: core.events, log, masterSecret: pair.secretKey, publishPort: config.publish_port,
      autosignGrains: config.autosign_grains, apps: core.apps,
      tokens: core.tokens, enrolNotes: core.enrolNotes, store: core.store, pendingLimit,
    });
    const control = new ControlServer(join(config.data_dir, 'master.sock'), core, log);
    const services = new ServiceGroup([
      service('zap handler', () => zap.start(), () => zap.close()),
      publisher,
      new RequestSocket(`tcp://${config.interface}:${config.return_port}`, pair.secretKey, retServer, log, config.max_message_size, fingerprint(pair.publicKey)),
      service('control socket', () => control.start(), () => control.stop()),
      // stopped before the control socket, so a client streaming a job gets its end
      service('jobs', () => undefined, () => core.jobs.stop()),
      service('schedules', () => core.scheduler.start(), () => core.scheduler.stop()),
    ], (name, e) => log.error({ err: e, service: name }, 'stopping failed'));
    const daemon = new MasterDaemon(core, services, log);
    try {
      await services.start();
    } catch (e) {
      await core.store.close().catch(() => undefined);
      throw e;
    }
    if (config.autosign_tokens.length) {
      log.warn('autosign_tokens in master.yaml never expire and admit any number of boxes; prefer umec token create');
    }
    if (Object.keys(config.autosign_grains).length) {
      log.warn('autosign_grains accepts any box that claims those grains; use it only on a trusted network');
    }
    core.events.fire('umec/master/start', { pubkey: pair.publicKey });
    log.info({ publish_port: config.publish_port, return_port: config.return_port, pubkey: pair.publicKey }, 'master started');
    return daemon;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.core.events.fire('umec/master/stop', {});
    await this.services.stop();
    await this.core.store.close();
    this.log.info('master stopped');
  }
}
