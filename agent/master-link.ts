import { join } from 'node:path';
import { Subscriber } from 'zeromq';
import { loadOrCreateKeyPair, type CurvePair } from '../lib/keypair.js';
import type { Logger } from '../lib/log.js';
import { jobMessageSchema, type JobMessage } from '../lib/messages.js';
import { backoffDelay, sleep } from '../lib/retry.js';
import { compileChecker } from '../lib/schema.js';
import type { Service } from '../lib/services.js';
import { sharedKey } from '../lib/wire.js';
import { fingerprint } from '../lib/z85.js';
import { MasterChannel, NoAnswer } from './channel.js';
import type { WireReplyBody, WireRequester } from '../lib/wire-ops.js';
import { backoffSeconds } from './commission/local-jid.js';
import { masterEndpoint, type AgentConfig } from './config.js';

/** How the key request is made until the key is accepted. */
export interface AcceptancePolicy {
  /** The enrolment token; it travels inside the CURVE-encrypted, MACed key request, never in the clear. */
  token?: string;
  /** First-boot commissioning: every attempt is logged and retried with backoff between these seconds. */
  commissioning?: { retryMin: number; retryMax: number };
  /** Called with the master's answer once the key is accepted, before the first hello. */
  onAccepted?(body: WireReplyBody<'key_request'>): Promise<void>;
}

/**
 * The agent's link to its master: the key pair, the request channel with failover between the
 * configured masters, key acceptance, hello and heartbeat, and the job subscription on the
 * master's publish port. Jobs addressed to this agent go to `onJob`.
 */
export class MasterLink implements Service {
  readonly name = 'master link';
  private pair?: CurvePair;
  private ch?: MasterChannel;
  private sub?: Subscriber;
  private subEndpoint?: string;
  private heartbeat?: NodeJS.Timeout;
  private helloing?: Promise<WireReplyBody<'hello'>>;
  private readonly checkJob = compileChecker(jobMessageSchema, 'job');
  /** Index into config.master of the master in use. */
  private current = 0;
  private running = false;
  private joined = false;

  constructor(private readonly config: AgentConfig, private readonly log: Logger,
    private readonly grains: () => Record<string, unknown>, private readonly onJob: (job: JobMessage) => void) {}

  /** Loads (or makes) the agent's key pair and opens the channel to the first master. */
  async start(): Promise<void> {
    this.pair = await loadOrCreateKeyPair(join(this.config.data_dir, 'pki'), 'agent');
    this.log.info({ id: this.config.id, fingerprint: fingerprint(this.pair.publicKey) }, 'agent key (compare with umec key finger on the master)');
    this.running = true;
    this.connect();
  }

  /** The request channel to the master in use. */
  get channel(): MasterChannel {
    if (!this.ch) throw new Error('the master link is not started');
    return this.ch;
  }

  /** The master in use, as configured. */
  get master(): string { return this.config.master[this.current]; }

  /** A request on the channel in use (lib/wire-ops.ts says what each type takes and answers). */
  get request(): WireRequester { return this.channel.request; }

  /** Key request until accepted, then the first hello and the heartbeat. */
  async join(policy: AcceptancePolicy = {}): Promise<void> {
    const body = await this.waitForAcceptance(policy);
    if (!body) return;
    await policy.onAccepted?.(body);
    await this.hello(true);
    this.joined = true;
    this.heartbeat = setInterval(() => { void this.hello(false).catch(() => undefined); }, 30_000);
    this.heartbeat.unref();
  }

  /** The grains changed: one more hello after the one in flight (none before the key is accepted). */
  regreet(): void {
    if (!this.joined || !this.running) return;
    void (this.helloing ?? Promise.resolve()).catch(() => undefined).then(() => this.hello(false)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.joined) await this.ch?.request('stop', {}, 1).catch(() => undefined);
    this.running = false;
    this.sub?.close();
    this.ch?.close();
  }

  private connect(): void {
    const pair = this.pair!;
    this.ch?.close();
    this.ch = new MasterChannel({
      endpoint: masterEndpoint(this.master), masterKey: this.config.master_pubkey,
      publicKey: pair.publicKey, secretKey: pair.secretKey, id: this.config.id,
      macKey: sharedKey(pair.secretKey, this.config.master_pubkey), reconnectMaxMs: this.config.reconnect_max * 1000, log: this.log,
      maxMessageSize: this.config.max_message_size,
    });
  }

  /** With several masters configured, a master that stays silent is left for the next one. */
  private failover(): void {
    if (this.config.master.length < 2) return;
    this.current = (this.current + 1) % this.config.master.length;
    this.log.warn({ master: this.master }, 'master not answering; failing over');
    this.connect();
  }

  /** Key request until accepted; a rejected or conflicting key keeps asking slowly, as Salt minions do. */
  private async waitForAcceptance(policy: AcceptancePolicy): Promise<WireReplyBody<'key_request'> | undefined> {
    let logged = '';
    const boot = policy.commissioning;
    for (let attempt = 1; this.running; attempt++) {
      try {
        const body = { pubkey: this.pair!.publicKey, grains: this.grains(), ...(policy.token ? { token: policy.token } : {}) };
        const r = await this.channel.request('key_request', body, this.config.request_timeout);
        const { status, reason } = r.body;
        if (status === 'accepted') return r.body;
        if (boot) this.log.warn({ status, reason, attempt }, `commissioning: key is ${status} on the master${reason ? ` (${reason})` : ''}; retrying`);
        else if (status !== logged) this.log.warn({ status }, status === 'pending' ? 'key is pending acceptance on the master' : `key is ${status} by the master`);
        logged = status;
      } catch (e) {
        if (!(e instanceof NoAnswer)) throw e;
        if (boot) this.log.warn({ attempt, master: this.master }, 'commissioning: master not reachable; retrying');
        else this.log.info('no answer from the master yet; retrying');
        this.failover();
        if (!boot) continue;
      }
      await sleep((boot ? backoffSeconds(attempt, boot.retryMin, boot.retryMax) : this.config.acceptance_wait_time) * 1000);
    }
    return undefined;
  }

  /** One hello at a time: heartbeats and reconnects during an outage share the one in flight. */
  private hello(start: boolean): Promise<WireReplyBody<'hello'>> {
    this.helloing ??= this.sayHello(start).finally(() => { this.helloing = undefined; });
    return this.helloing;
  }

  /** Tells the master this agent is here (and its grains), and follows it to its publish port. */
  private async sayHello(start: boolean): Promise<WireReplyBody<'hello'>> {
    for (let attempt = 0; ; attempt++) {
      try {
        const body = (await this.channel.request('hello', { grains: this.grains(), start }, this.config.request_timeout)).body;
        this.subscribe(body.publish_port);
        return body;
      } catch (e) {
        if (!(e instanceof NoAnswer) || !this.running) throw e;
        if (attempt > 0) this.failover();
        await sleep(backoffDelay(attempt + 1, { base: 500, max: 30_000, jitter: 0.5 }));
      }
    }
  }

  private subscribe(port: number): void {
    const pair = this.pair!;
    const host = new URL(masterEndpoint(this.master).replace('tcp://', 'http://')).hostname;
    const endpoint = `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (endpoint === this.subEndpoint) return;
    this.sub?.close();
    this.subEndpoint = endpoint;
    this.sub = new Subscriber({
      curveServerKey: this.config.master_pubkey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey,
      reconnectInterval: 100 + Math.floor(Math.random() * 400), reconnectMaxInterval: this.config.reconnect_max * 1000, linger: 0,
      maxMessageSize: this.config.max_message_size,
    });
    this.sub.connect(endpoint);
    this.sub.subscribe('job');
    this.sub.events.on('connect', () => { void this.hello(false).catch(() => undefined); });
    void this.jobs(this.sub);
  }

  private async jobs(sub: Subscriber): Promise<void> {
    try {
      for await (const [, payload] of sub) {
        let job: unknown;
        try { job = JSON.parse(payload.toString('utf8')); } catch { this.log.warn('unreadable job message dropped'); continue; }
        const { value, problems } = this.checkJob(job);
        if (problems) { this.log.warn(`malformed job message dropped: ${problems.join('; ')}`.slice(0, 400)); continue; }
        if (value.targets !== '*' && !value.targets.includes(this.config.id)) continue;
        this.onJob(value);
      }
    } catch (e) {
      if (this.running && sub === this.sub) this.log.error({ err: e }, 'job subscription failed');
    }
  }
}
