import { join } from 'node:path';
import { Subscriber } from 'zeromq';
import { loadOrCreateKeyPair, type CurvePair } from '../lib/keypair.js';
import type { Logger } from '../lib/log.js';
import { LogThrottle } from '../lib/log-throttle.js';
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
  /** A key check in progress (the master may have lost this agent's key); one at a time. */
  private rechecking?: Promise<void>;
  private recheckAgain?: string;
  /** Bumped when the key is found not accepted: hellos of the earlier generation give up. */
  private generation = 0;
  /** Handshake trouble is logged once per 5 minutes per kind, with the count in between. */
  private readonly handshakeLog = new LogThrottle(300_000);

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
    this.log.info({ master: this.master }, 'key accepted; joined the master');
    this.heartbeat = setInterval(() => { if (this.joined) void this.hello(false).catch(() => undefined); }, 30_000);
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
    const ch = this.ch;
    // the master broke off the CURVE handshake before it knew who we are: its key is not master_pubkey
    const brokenOff = (e: { address: string; error: { code?: string } }) => this.handshakeTrouble('master-key', () => this.log.error({
      master: e.address, error: e.error.code, expected_master_fingerprint: fingerprint(this.config.master_pubkey), agent_fingerprint: fingerprint(pair.publicKey),
    }, `the master at ${e.address} broke off the CURVE handshake: its key is probably not this agent's master_pubkey (compare expected_master_fingerprint with "umec key finger" on the master)`));
    ch.events.on('handshake:error:other', brokenOff);
    ch.events.on('handshake:error:protocol', brokenOff);
    ch.events.on('handshake:error:auth', (e) => this.handshakeTrouble('refused', () => this.log.warn({
      master: e.address, agent_fingerprint: fingerprint(pair.publicKey),
    }, `the master at ${e.address} refuses this agent's key (rejected there?); asking again`)));
  }

  /** Logs a handshake problem at most once per 5 minutes per kind, counting the ones held back. */
  private handshakeTrouble(kind: string, log: () => void): void {
    const { log: now, held } = this.handshakeLog.hit(kind);
    if (!now) return;
    if (held) this.log.warn({ kind, repeated: held }, `${held} more handshake failures of this kind since the last report`);
    log();
  }

  /**
   * Something says the master may no longer accept this agent's key (a hello went unanswered,
   * the publish port refused the key): one key request tells. Accepted: nothing to do. Anything
   * else (the key was deleted, or its file damaged, on the master): key requests again, with the
   * usual wait, until it is accepted; then hello and a fresh job subscription. Never gives up.
   */
  private recheck(why: string): void {
    if (!this.running) return;
    // a sign that comes during a check (the delete may have come after its key request) gets one more check after it
    if (this.rechecking) { this.recheckAgain = why; return; }
    if (!this.joined) return;
    this.rechecking = this.rejoin(why)
      .catch((e: unknown) => { if (this.running) this.log.error({ err: e }, 'checking the key with the master failed'); })
      .finally(() => {
        this.rechecking = undefined;
        const again = this.recheckAgain;
        this.recheckAgain = undefined;
        if (again) this.recheck(again);
      });
  }

  private async rejoin(why: string): Promise<void> {
    let status: string;
    try {
      status = (await this.keyRequest({})).status;
    } catch (e) {
      if (e instanceof NoAnswer) return; // the master is not answering at all: hello retries and failover handle that
      throw e;
    }
    if (status === 'accepted' || !this.running) return;
    this.joined = false;
    this.generation++;
    this.log.warn({ status, why, master: this.master }, `the master no longer has this agent's key accepted (it is ${status} there); asking again every ${this.config.acceptance_wait_time}s`);
    const body = await this.waitForAcceptance({}, status);
    if (!body || !this.running) return;
    this.log.info({ master: this.master }, 'key accepted again by the master');
    // the old subscription may have stopped retrying after the refusals: start a new one
    this.sub?.close();
    this.sub = undefined;
    this.subEndpoint = undefined;
    this.helloing = undefined;
    await this.hello(true);
    this.joined = true;
  }

  private async keyRequest(policy: AcceptancePolicy) {
    const body = { pubkey: this.pair!.publicKey, grains: this.grains(), ...(policy.token ? { token: policy.token } : {}) };
    return (await this.channel.request('key_request', body, this.config.request_timeout)).body;
  }

  /** With several masters configured, a master that stays silent is left for the next one. */
  private failover(): void {
    if (this.config.master.length < 2) return;
    this.current = (this.current + 1) % this.config.master.length;
    this.log.warn({ master: this.master }, 'master not answering; failing over');
    this.connect();
  }

  /** Key request until accepted; a rejected or conflicting key keeps asking slowly, as Salt minions do. */
  private async waitForAcceptance(policy: AcceptancePolicy, known = ''): Promise<WireReplyBody<'key_request'> | undefined> {
    let logged = known;
    let silent = 0;
    const boot = policy.commissioning;
    for (let attempt = 1; this.running; attempt++) {
      try {
        const r = { body: await this.keyRequest(policy) };
        silent = 0;
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
        // the request itself waited request_timeout; back off further while the master stays silent
        if (!boot) { await sleep(backoffDelay(++silent, { base: 500, max: this.config.reconnect_max * 1000, jitter: 0.5 })); continue; }
      }
      await sleep((boot ? backoffSeconds(attempt, boot.retryMin, boot.retryMax) : this.config.acceptance_wait_time) * 1000);
    }
    return undefined;
  }

  /** One hello at a time: heartbeats and reconnects during an outage share the one in flight. */
  private hello(start: boolean): Promise<WireReplyBody<'hello'>> {
    if (this.helloing) return this.helloing;
    const p = this.sayHello(start).finally(() => { if (this.helloing === p) this.helloing = undefined; });
    this.helloing = p;
    return p;
  }

  /** Tells the master this agent is here (and its grains), and follows it to its publish port. */
  private async sayHello(start: boolean): Promise<WireReplyBody<'hello'>> {
    const generation = this.generation;
    for (let attempt = 0; ; attempt++) {
      try {
        const body = (await this.channel.request('hello', { grains: this.grains(), start }, this.config.request_timeout)).body;
        this.subscribe(body.publish_port);
        return body;
      } catch (e) {
        if (!(e instanceof NoAnswer) || !this.running) throw e;
        // an unanswered hello may mean the master lost our key (it drops messages of unknown keys)
        this.recheck('a hello went unanswered');
        if (generation !== this.generation) throw e;
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
    // only accepted keys may join the publish port: a refusal means the master no longer accepts ours
    this.sub.events.on('handshake:error:auth', () => this.recheck('the publish port refused this agent\'s key'));
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
