import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { JobMessage, JobRequest } from '../lib/messages.js';
import { AgentRegistry } from './agents.js';
import { AppStore } from './apps.js';
import type { MasterConfig } from './config.js';
import { EventBus } from './events.js';
import { FileServer } from './fileserver.js';
import { FileJobStore } from './jobcache/file-store.js';
import type { JobStore } from './jobcache/store.js';
import { JobManager, type ActiveJob } from './jobs.js';
import { KeyStore, type KeyState } from './keys.js';
import { loadOrCreateKeyPair, type CurvePair } from '../lib/keypair.js';
import { PillarCompiler } from './pillar.js';
import { resolveTarget } from './targeting.js';
import { fingerprint } from '../lib/z85.js';
import { TokenStore } from './enrol/tokens.js';
import type { ScheduleStatus } from '../lib/scheduler.js';

/**
 * The master's state and operations, apart from its sockets: keys, agents,
 * jobs and their cache, file server, pillar, events.
 */
export class MasterCore {
  readonly events = new EventBus();
  readonly jobs: JobManager;
  readonly files: FileServer;
  readonly pillar: PillarCompiler;
  /** Called once per change when keys stop being accepted, so live connections can be cut. */
  onKeysRevoked: (ids: string[]) => Promise<void> = async () => undefined;
  /** Enrolment tokens (umec token create); opened by open(). */
  tokens!: TokenStore;
  /** Why a pending key is still pending (a refused token), for `umec key list`. */
  readonly enrolNotes = new Map<string, string>();
  /** The master's schedules and their last runs (set by the daemon). */
  schedules: () => ScheduleStatus[] = () => [];

  private constructor(readonly config: MasterConfig, readonly log: Logger, readonly keys: KeyStore, readonly agents: AgentRegistry,
    readonly store: JobStore, readonly pair: CurvePair, publish: (m: JobMessage) => Promise<void>, readonly apps: AppStore) {
    this.files = new FileServer(config.state_root);
    this.pillar = new PillarCompiler(config.pillar_root);
    this.jobs = new JobManager({ store, events: this.events, log, publish });
  }

  static async open(config: MasterConfig, log: Logger, publish: (m: JobMessage) => Promise<void>, store?: JobStore): Promise<MasterCore> {
    const d = config.data_dir;
    const [keys, agents, pair, apps] = await Promise.all([
      KeyStore.open(join(d, 'pki', 'agents')), AgentRegistry.open(join(d, 'grains')), loadOrCreateKeyPair(join(d, 'pki'), 'master'),
      AppStore.open(join(d, 'apps')),
    ]);
    const core = new MasterCore(config, log, keys, agents, store ?? new FileJobStore(join(d, 'jobs')), pair, publish, apps);
    core.tokens = await TokenStore.open(d, config.autosign_tokens);
    return core;
  }

  /** Fingerprints of the master key and every agent key, by state. */
  fingerprints(): { master: string; agents: Record<string, { state: string; fingerprint: string }> } {
    const agents: Record<string, { state: string; fingerprint: string }> = {};
    for (const ids of Object.values(this.keys.list())) {
      for (const id of ids) {
        const e = this.keys.get(id)!;
        agents[id] = { state: e.state, fingerprint: fingerprint(e.key) };
      }
    }
    return { master: fingerprint(this.pair.publicKey), agents };
  }

  info(): { pubkey: string; publish_port: number; return_port: number } {
    return { pubkey: this.pair.publicKey, publish_port: this.config.publish_port, return_port: this.config.return_port };
  }

  async changeKeys(to: KeyState, id: string | undefined, all: boolean, includeRejected: boolean): Promise<{ changed: string[] }> {
    const lists = this.keys.list();
    const from = to === 'accepted' ? ['pending', ...(includeRejected ? ['rejected'] : [])] : ['pending', 'accepted'];
    const ids = all ? from.flatMap((s) => lists[s as KeyState]) : id ? [id] : [];
    const changed: string[] = [];
    const revoked: string[] = [];
    for (const k of ids) {
      const cur = this.keys.get(k);
      if (!cur || cur.state === to || (!all && !from.includes(cur.state) && !(to === 'accepted' && cur.state === 'rejected'))) continue;
      await this.keys.move(k, to);
      this.enrolNotes.delete(k);
      changed.push(k);
      this.events.fire(`umec/key/${k}/${to}`, { id: k });
      if (cur.state === 'accepted') revoked.push(k);
    }
    if (revoked.length) await this.onKeysRevoked(revoked);
    return { changed };
  }

  async deleteKey(id: string): Promise<{ changed: string[] }> {
    const cur = this.keys.get(id);
    if (!cur || !(await this.keys.delete(id))) return { changed: [] };
    this.agents.forget(id);
    this.enrolNotes.delete(id);
    this.events.fire(`umec/key/${id}/deleted`, { id });
    if (cur.state === 'accepted') await this.onKeysRevoked([id]);
    return { changed: [id] };
  }

  async startJob(req: JobRequest): Promise<ActiveJob> {
    const accepted = this.keys.list().accepted;
    const targets = resolveTarget(req.tgt, req.tgt_type, accepted, this.agents);
    return this.jobs.start(req, targets, this.config.timeout, targets.length === accepted.length && targets.length > 0);
  }
}
