import type { Logger } from '../lib/log.js';
import { isAgentId } from '../lib/ids.js';
import { compileValidator, type Validator } from '../lib/schema.js';
import { isWireType, WIRE_OPS, type WireReply, type WireRequest, type WireType } from '../lib/wire-ops.js';
import { openBody, peekHeader, ReplayGuard, sharedKey, WireError, type Header } from '../lib/wire.js';
import { isCurveKey } from '../lib/z85.js';
import type { AgentRegistry } from './agents.js';
import type { AppStore } from './apps.js';
import type { EventBus } from './events.js';
import type { FileServer } from './fileserver.js';
import type { JobManager } from './jobs.js';
import type { KeyStore } from './keys.js';
import type { PendingKeyLimit } from './pending-limit.js';
import type { PillarCompiler } from './pillar.js';
import type { JobStore } from './jobcache/store.js';
import { localJobProblem, recordLocalJob } from './enrol/local-jobs.js';
import type { TokenStore } from './enrol/tokens.js';

export interface RetServerDeps {
  keys: KeyStore;
  agents: AgentRegistry;
  jobs: JobManager;
  files: FileServer;
  pillar: PillarCompiler;
  /** What the master trusts about an agent (id, token-preset and admin-set grains): pillar is compiled from this only. */
  trustedGrains: (id: string) => Record<string, unknown>;
  events: EventBus;
  log: Logger;
  masterSecret: string;
  publishPort: number;
  /** Grain values that get a new key accepted at once (Salt's autosign_grains). */
  autosignGrains: Record<string, string[]>;
  /** On-boarded app packages; their files are served by hash like the state tree's. */
  apps?: AppStore;
  /** Enrolment tokens; a good one in a key request accepts the key. */
  tokens?: TokenStore;
  /** Why each pending key is still pending (shown by `umec key list`). */
  enrolNotes?: Map<string, string>;
  store?: JobStore;
  /** Bounds new pending keys (count and rate); without it they are unbounded. */
  pendingLimit?: PendingKeyLimit;
}

/** A key request carries a key, grains and a token: anything bigger is not one (and is not parsed). */
const KEY_REQUEST_MAX = 64 * 1024;

/** A reply: a JSON object and, for file contents, the bytes as a second frame; undefined for a dropped message. */
export type Reply = { body: object; data?: Buffer } | undefined;

/** One handler per message type of WIRE_OPS but key_request (answered before the key is accepted): a missing one does not compile. */
type WireHandlers = { [T in Exclude<WireType, 'key_request'>]: (id: string, body: WireRequest<T>) => Promise<WireReply<T>> };

/**
 * Everything an agent can ask the master. Only `key_request` is answered for
 * keys that are not accepted; every other message must carry a valid MAC from
 * the accepted key of the id it claims, inside the replay window.
 */
export class RetServer {
  private readonly guard = new ReplayGuard();
  private readonly macKeys = new Map<string, Buffer>();

  private readonly checks = new Map<WireType, Validator>();
  private readonly handlers: WireHandlers;

  constructor(private readonly d: RetServerDeps) {
    this.handlers = this.wireHandlers();
  }

  /** The body checked against its message type's schema (defaults filled in); a bad one is dropped as malformed. */
  private checked(type: WireType, body: unknown): unknown {
    let v = this.checks.get(type);
    if (!v) this.checks.set(type, v = compileValidator(WIRE_OPS[type].request));
    const problems = v(body ?? {});
    if (problems) throw new WireError('malformed', `${type}: ${problems.join('; ')}`.slice(0, 300));
    return body ?? {};
  }

  private macKey(id: string, pub: string): Buffer {
    const cacheKey = `${id}\0${pub}`;
    let k = this.macKeys.get(cacheKey);
    if (!k) {
      k = sharedKey(this.d.masterSecret, pub);
      this.macKeys.set(cacheKey, k);
    }
    return k;
  }

  async handle(frames: Buffer[]): Promise<Reply> {
    let header: Header;
    try {
      header = peekHeader(frames);
      if (!isAgentId(header.id)) throw new WireError('malformed', `bad agent id ${JSON.stringify(header.id).slice(0, 80)}`);
      if (header.type === 'key_request') return await this.keyRequest(header, frames);
      const entry = this.d.keys.get(header.id);
      if (!entry || entry.state !== 'accepted') throw new WireError('unknown-agent', `${header.type} from ${header.id}, whose key is not accepted`);
      const body = openBody(frames, this.macKey(entry.id, entry.key));
      this.guard.check(header);
      this.d.agents.seen(header.id);
      if (!isWireType(header.type) || header.type === 'key_request') throw new WireError('malformed', `unknown message type ${JSON.stringify(header.type).slice(0, 40)}`);
      const handler = this.handlers[header.type] as (id: string, body: unknown) => Promise<Reply>;
      return await handler(header.id, this.checked(header.type, body));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.d.log.warn({ reason: e.reason }, `dropped a message: ${e.message}`);
      this.d.events.fire('umec/auth/dropped', { reason: e.reason, detail: e.message });
      return undefined;
    }
  }

  private async keyRequest(h: Header, frames: Buffer[]): Promise<WireReply<'key_request'>> {
    if ((frames[1]?.length ?? 0) > KEY_REQUEST_MAX) throw new WireError('malformed', `key_request body of ${frames[1].length} bytes (at most ${KEY_REQUEST_MAX})`);
    let claimed: unknown;
    try { claimed = JSON.parse(frames[1].toString('utf8')); } catch { throw new WireError('malformed', 'body is not JSON'); }
    const pub = (claimed as { pubkey?: unknown })?.pubkey;
    if (!isCurveKey(pub)) throw new WireError('malformed', 'key_request without a CURVE public key');
    // the MAC proves the sender holds the secret key of the public key it presents
    const body = this.checked('key_request', openBody(frames, sharedKey(this.d.masterSecret, pub))) as WireRequest<'key_request'>;
    this.guard.check(h);
    const refused = await this.pendingRefusal(h.id, pub, body);
    if (refused) return { body: { status: 'pending', reason: refused } };
    let state = await this.d.keys.request(h.id, pub);
    if (state === 'conflict') {
      this.d.log.warn({ agent: h.id }, 'key request with a different key for a known id refused');
      this.d.events.fire(`umec/key/${h.id}/conflict`, { id: h.id });
      return { body: { status: 'conflict' } };
    }
    const token = body.token || undefined;
    // a key that is already accepted may still ask for its token's preset grains (a retry after a crash)
    const redeemed = token && this.d.tokens && state !== 'rejected' ? await this.d.tokens.redeem(token, h.id, pub, new Date(), { consume: state === 'pending' }) : undefined;
    let reason = token && !this.d.tokens ? 'this master takes no tokens' : redeemed && !redeemed.ok && state === 'pending' ? redeemed.reason : undefined;
    if (state === 'pending') {
      let by: string | undefined;
      if (redeemed?.ok) by = 'token';
      else if (this.autosign(body.grains)) by = 'autosign_grains';
      if (by) {
        await this.d.keys.move(h.id, 'accepted');
        state = 'accepted';
        this.d.enrolNotes?.delete(h.id);
        const tokenId = redeemed?.ok ? redeemed.token : undefined;
        this.d.events.fire(`umec/key/${h.id}/accepted`, { id: h.id, by, ...(by === 'token' ? { token_id: tokenId, grains: redeemed?.ok ? redeemed.grains : {} } : {}) });
        reason = undefined;
      } else {
        if (reason) this.d.enrolNotes?.set(h.id, reason);
        this.d.events.fire(`umec/key/${h.id}/pending`, { id: h.id, ...(reason ? { reason } : {}) });
        if (token) this.d.log.warn({ agent: h.id, reason }, 'enrolment token refused; key left pending');
      }
    }
    const grains = state === 'accepted' && redeemed?.ok ? redeemed.grains : undefined;
    return { body: { status: state, ...(grains ? { grains } : {}), ...(state === 'pending' && reason ? { reason } : {}) } };
  }

  /**
   * For a new id whose key would only be pending: why it is not recorded now (too many pending
   * keys, or too many new ones a minute). A good token or autosign grains admit the key at once,
   * so they are not limited (the token's use is recorded first, as below).
   */
  private async pendingRefusal(id: string, pub: string, body: WireRequest<'key_request'>): Promise<string | undefined> {
    const limit = this.d.pendingLimit;
    if (!limit || this.d.keys.has(id) || this.d.keys.byPublicKey(pub)) return undefined;
    if (this.autosign(body.grains)) return undefined;
    if (body.token && this.d.tokens && (await this.d.tokens.redeem(body.token, id, pub)).ok) return undefined;
    return limit.take(this.d.keys.count('pending'))?.reason;
  }

  private autosign(grains: Record<string, unknown> | undefined): boolean {
    if (!grains) return false;
    return Object.entries(this.d.autosignGrains).some(([k, allowed]) => {
      const v = grains[k];
      return (Array.isArray(v) ? v : [v]).some((x) => allowed.includes(String(x)));
    });
  }

  private wireHandlers(): WireHandlers {
    const d = this.d;
    return {
      hello: async (id, b) => {
        if (b.grains) await d.agents.setGrains(id, { ...b.grains, id });
        if (b.start) d.events.fire(`umec/agent/${id}/start`, { id });
        return { body: { publish_port: d.publishPort } };
      },
      return: async (id, b) => ({ body: { ok: await d.jobs.onReturn(id, b) } }),
      manifest: async (_id, b) => {
        const m = await d.files.manifest();
        return { body: b.have === m.hash ? { hash: m.hash, unchanged: true } : { hash: m.hash, files: m.files } };
      },
      file: async (_id, b) => {
        if (b.offset !== undefined && b.length !== undefined) {
          const part = await d.apps?.readRange(b.hash, b.offset, Math.min(b.length, 16 * 1024 * 1024));
          return part ? { body: { ok: true, size: part.size }, data: part.data } : { body: { ok: false, error: 'no such file' } };
        }
        const data = (await d.files.read(b.hash)) ?? (await d.apps?.read(b.hash));
        return data ? { body: { ok: true }, data } : { body: { ok: false, error: 'no such file' } };
      },
      app: async (_id, b) => {
        const ix = d.apps?.get(b.name, b.version);
        return ix ? { body: { ok: true, index: ix, app_yaml: await d.apps!.appYaml(ix) } } : { body: { ok: false, error: 'no such app' } };
      },
      pillar: async (id) => {
        // never the grains the agent claims in hello: with them a box could claim another's role and read its secrets
        const { pillar, errors } = await d.pillar.compile(id, d.trustedGrains(id));
        return { body: { pillar, errors: errors.map((e) => `${e.file ?? ''}:${e.line ?? 0}: ${e.message}`) } };
      },
      local_job: async (id, b) => {
        const problem = localJobProblem(b);
        if (problem) throw new WireError('malformed', `local_job: ${problem}`);
        if (!d.store) return { body: { ok: false, error: 'this master keeps no job cache' } };
        return { body: await recordLocalJob({ store: d.store, events: d.events }, id, b) };
      },
      event: (id, b) => {
        d.events.fire(`umec/agent/${id}/${b.kind}`, { ...b.data, id });
        return Promise.resolve({ body: { ok: true as const } });
      },
      stop: (id) => {
        d.events.fire(`umec/agent/${id}/stop`, { id });
        return Promise.resolve({ body: { ok: true } });
      },
    };
  }
}
