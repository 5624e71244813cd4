import { join } from 'node:path';
import { UmecError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { JobMessage, JobRequest } from '../lib/messages.js';
import { AgentRegistry } from './agents.js';
import { AppStore } from './apps.js';
import type { CorruptFile } from '../lib/verified-files.js';
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
import { TrustedGrains } from './trusted-grains.js';
import { AppExceptions, checkPackagePolicy } from './app-policy.js';
import type { Scheduler, ScheduleStatus } from '../lib/scheduler.js';
import { masterScheduler } from './schedule.js';

/** Where jobs go out to the agents (the daemon's publish socket). */
export interface JobChannel {
  publish(m: JobMessage): Promise<void>;
  /** Keys stopped being accepted: cut these agents' live connections. */
  revoke(ids: string[]): Promise<void>;
}

export interface MasterCoreParts {
  config: MasterConfig;
  log: Logger;
  pair: CurvePair;
  channel: JobChannel;
  /** The job cache; the file store under data_dir/jobs unless given (tests, another backend). */
  store?: JobStore;
}

/**
 * The master's state and operations, apart from its sockets: keys, agents,
 * jobs and their cache, file server, pillar, events, enrolment tokens, schedules.
 * Built complete by openMasterCore; nothing is filled in afterwards.
 */
export class MasterCore {
  readonly events = new EventBus();
  readonly jobs: JobManager;
  readonly files: FileServer;
  readonly pillar: PillarCompiler;
  /** master.yaml `schedule:` (started and stopped by the daemon). */
  readonly scheduler: Scheduler;
  /** Why a pending key is still pending (a refused token), for `umec key list`. */
  readonly enrolNotes = new Map<string, string>();
  readonly config: MasterConfig;
  readonly log: Logger;
  readonly pair: CurvePair;
  readonly store: JobStore;
  private readonly channel: JobChannel;

  constructor(p: Required<MasterCoreParts>, readonly keys: KeyStore, readonly agents: AgentRegistry, readonly apps: AppStore,
    /** Enrolment tokens (umec token create). */
    readonly tokens: TokenStore,
    /** Grains an admin set on the master (umec key grains). */
    readonly setGrains: TrustedGrains,
    /** Package policy exceptions an admin granted (umec app allow). */
    readonly appExceptions: AppExceptions) {
    this.config = p.config;
    this.log = p.log;
    this.pair = p.pair;
    this.channel = p.channel;
    this.store = p.store;
    this.files = new FileServer(p.config.state_root);
    this.pillar = new PillarCompiler(p.config.pillar_root);
    this.jobs = new JobManager({ store: p.store, events: this.events, log: p.log, publish: (m) => this.channel.publish(m) });
    this.scheduler = masterScheduler(this, p.config.schedule ?? {}, p.log);
    for (const d of keys.damaged) {
      p.log.error({ file: d.file, moved_to: d.movedTo, agent: d.id }, `damaged ${d.state} key file ${d.file} (${d.reason}) moved to ${d.movedTo}; the agent's next key request makes it pending`);
      this.events.fire(`umec/key/${d.id}/damaged`, { id: d.id, state: d.state, file: d.file, moved_to: d.movedTo, reason: d.reason });
    }
  }

  /** The master's schedules and their last runs. */
  schedules(): ScheduleStatus[] { return this.scheduler.list(); }

  /** On-boards an app package if the package policy (master.yaml app_policy and the admin's exceptions) allows it. */
  onboardApp(path: string) {
    return this.apps.onboard(path, (d, file) => checkPackagePolicy(d, file, this.config.app_policy ?? { host_paths: [] }, this.appExceptions.get(d.name)));
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

  /**
   * What the master itself knows of an accepted agent: its id, the grains its enrolment token
   * preset and the grains an admin set (these win). Pillar is compiled from these only.
   */
  trustedGrains(id: string): Record<string, unknown> {
    const key = this.keys.get(id);
    if (key?.state !== 'accepted') return { id };
    return { ...this.tokens.presetGrains(id, key.key), ...this.setGrains.get(id, key.key), id };
  }

  /** Grains for job targeting: what the agent reports, with the trusted grains over it. */
  targetGrains(id: string): Record<string, unknown> {
    return { ...(this.agents.get(id)?.grains ?? {}), ...this.trustedGrains(id) };
  }

  /** Sets/unsets trusted grains of an accepted agent; answers its trusted grains after the change. */
  async updateTrustedGrains(id: string, set: Record<string, string>, unset: string[]): Promise<Record<string, unknown>> {
    const key = this.keys.get(id);
    if (key?.state !== 'accepted') throw new UmecError('USAGE', { reason: `no accepted key for agent ${id}; grains are set for accepted agents` });
    if (Object.keys(set).length || unset.length) {
      await this.setGrains.update(id, key.key, set, unset);
      this.events.fire(`umec/agent/${id}/grains`, { id, set: Object.keys(set), unset });
    }
    return this.trustedGrains(id);
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
    if (revoked.length) await this.channel.revoke(revoked);
    return { changed };
  }

  async deleteKey(id: string): Promise<{ changed: string[] }> {
    const cur = this.keys.get(id);
    if (!cur || !(await this.keys.delete(id))) return { changed: [] };
    this.agents.forget(id);
    await this.setGrains.forget(id);
    this.enrolNotes.delete(id);
    this.events.fire(`umec/key/${id}/deleted`, { id });
    if (cur.state === 'accepted') await this.channel.revoke([id]);
    return { changed: [id] };
  }

  async startJob(req: JobRequest): Promise<ActiveJob> {
    const accepted = this.keys.list().accepted;
    const targets = resolveTarget(req.tgt, req.tgt_type, accepted, (id) => this.targetGrains(id));
    return this.jobs.start(req, targets, this.config.timeout, targets.length === accepted.length && targets.length > 0);
  }
}

/** Opens the master's stores under data_dir and builds the core from them. */
export async function openMasterCore(p: MasterCoreParts): Promise<MasterCore> {
  const d = p.config.data_dir;
  // a stored package file that no longer matches its hash is not served; the core's event bus says so
  const built: { core?: MasterCore } = {};
  const onCorrupt = (f: CorruptFile) => {
    p.log.error(f, 'an app package file failed its hash check: not served');
    built.core?.events.fire('umec/master/apps/corrupt', { ...f });
  };
  const [keys, agents, apps, tokens, setGrains, appExceptions] = await Promise.all([
    KeyStore.open(join(d, 'pki', 'agents')), AgentRegistry.open(join(d, 'grains')), AppStore.open(join(d, 'apps'), onCorrupt),
    TokenStore.open(d, p.config.autosign_tokens), TrustedGrains.open(d), AppExceptions.open(d),
  ]);
  built.core = new MasterCore({ ...p, store: p.store ?? new FileJobStore(join(d, 'jobs'), {
    // the cut line was a return never acknowledged: its agent still has it in its outbox and sends it again
    onTorn: (file, bytes) => p.log.error({ file, bytes }, `torn last line of ${file} (${bytes} bytes, never acknowledged) cut; its agent sends that return again`),
  }) }, keys, agents, apps, tokens, setGrains, appExceptions);
  return built.core;
}

/** The master's own CURVE key pair (data_dir/pki/master.*), made on first start. */
export const masterKeyPair = (config: MasterConfig): Promise<CurvePair> => loadOrCreateKeyPair(join(config.data_dir, 'pki'), 'master');
