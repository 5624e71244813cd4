import type { Logger } from '../lib/log.js';
import { isAgentId } from '../lib/ids.js';
import type { ReturnMessage } from '../lib/messages.js';
import { openBody, peekHeader, ReplayGuard, sharedKey, WireError, type Header } from '../lib/wire.js';
import { isCurveKey } from '../lib/z85.js';
import type { AgentRegistry } from './agents.js';
import type { AppStore } from './apps.js';
import type { EventBus } from './events.js';
import type { FileServer } from './fileserver.js';
import type { JobManager } from './jobs.js';
import type { KeyStore } from './keys.js';
import type { PillarCompiler } from './pillar.js';
import type { JobStore } from './jobcache/store.js';
import { parseLocalJob, recordLocalJob } from './enrol/local-jobs.js';
import type { TokenStore } from './enrol/tokens.js';

export interface RetServerDeps {
  keys: KeyStore;
  agents: AgentRegistry;
  jobs: JobManager;
  files: FileServer;
  pillar: PillarCompiler;
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
}

/** A reply: a JSON object and, for file contents, the bytes as a second frame. */
export type Reply = { body: Record<string, unknown>; data?: Buffer } | undefined;

/**
 * Everything an agent can ask the master. Only `key_request` is answered for
 * keys that are not accepted; every other message must carry a valid MAC from
 * the accepted key of the id it claims, inside the replay window.
 */
export class RetServer {
  private readonly guard = new ReplayGuard();
  private readonly macKeys = new Map<string, Buffer>();

  constructor(private readonly d: RetServerDeps) {}

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
      return await this.dispatch(header, body);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.d.log.warn({ reason: e.reason }, `dropped a message: ${e.message}`);
      this.d.events.fire('umec/auth/dropped', { reason: e.reason, detail: e.message });
      return undefined;
    }
  }

  private async keyRequest(h: Header, frames: Buffer[]): Promise<Reply> {
    let claimed: unknown;
    try { claimed = JSON.parse(frames[1].toString('utf8')); } catch { throw new WireError('malformed', 'body is not JSON'); }
    const pub = (claimed as { pubkey?: unknown })?.pubkey;
    if (!isCurveKey(pub)) throw new WireError('malformed', 'key_request without a CURVE public key');
    // the MAC proves the sender holds the secret key of the public key it presents
    const body = openBody(frames, sharedKey(this.d.masterSecret, pub)) as { grains?: Record<string, unknown>; token?: unknown };
    this.guard.check(h);
    let state = await this.d.keys.request(h.id, pub);
    if (state === 'conflict') {
      this.d.log.warn({ agent: h.id }, 'key request with a different key for a known id refused');
      this.d.events.fire(`umec/key/${h.id}/conflict`, { id: h.id });
      return { body: { status: 'conflict' } };
    }
    const token = typeof body?.token === 'string' && body.token ? body.token : undefined;
    // a key that is already accepted may still ask for its token's preset grains (a retry after a crash)
    const redeemed = token && this.d.tokens && state !== 'rejected' ? await this.d.tokens.redeem(token, h.id, pub, new Date(), { consume: state === 'pending' }) : undefined;
    let reason = token && !this.d.tokens ? 'this master takes no tokens' : redeemed && !redeemed.ok && state === 'pending' ? redeemed.reason : undefined;
    if (state === 'pending') {
      let by: string | undefined;
      if (redeemed?.ok) by = 'token';
      else if (this.autosign(body?.grains)) by = 'autosign_grains';
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

  private autosign(grains: Record<string, unknown> | undefined): boolean {
    if (!grains) return false;
    return Object.entries(this.d.autosignGrains).some(([k, allowed]) => {
      const v = grains[k];
      return (Array.isArray(v) ? v : [v]).some((x) => allowed.includes(String(x)));
    });
  }

  private async dispatch(h: Header, body: unknown): Promise<Reply> {
    const b = (body ?? {}) as Record<string, unknown>;
    switch (h.type) {
      case 'hello': {
        if (b.grains && typeof b.grains === 'object') await this.d.agents.setGrains(h.id, { ...(b.grains), id: h.id });
        if (b.start) this.d.events.fire(`umec/agent/${h.id}/start`, { id: h.id });
        return { body: { publish_port: this.d.publishPort } };
      }
      case 'return':
        return { body: { ok: await this.d.jobs.onReturn(h.id, b as unknown as ReturnMessage) } };
      case 'manifest': {
        const m = await this.d.files.manifest();
        return { body: b.have === m.hash ? { hash: m.hash, unchanged: true } : { ...m } };
      }
      case 'file': {
        if (typeof b.hash === 'string' && Number.isSafeInteger(b.offset) && Number.isSafeInteger(b.length) && Number(b.offset) >= 0 && Number(b.length) > 0) {
          const part = await this.d.apps?.readRange(b.hash, Number(b.offset), Math.min(Number(b.length), 16 * 1024 * 1024));
          return part ? { body: { ok: true, size: part.size }, data: part.data } : { body: { ok: false, error: 'no such file' } };
        }
        const data = typeof b.hash === 'string' ? (await this.d.files.read(b.hash)) ?? (await this.d.apps?.read(b.hash)) : undefined;
        return data ? { body: { ok: true }, data } : { body: { ok: false, error: 'no such file' } };
      }
      case 'app': {
        const ix = typeof b.name === 'string' ? this.d.apps?.get(b.name, typeof b.version === 'string' ? b.version : undefined) : undefined;
        return ix ? { body: { ok: true, index: ix, app_yaml: await this.d.apps!.appYaml(ix) } } : { body: { ok: false, error: 'no such app' } };
      }
      case 'pillar': {
        const grains = this.d.agents.get(h.id)?.grains ?? { id: h.id };
        const { pillar, errors } = await this.d.pillar.compile(h.id, grains);
        return { body: { pillar, errors: errors.map((e) => `${e.file ?? ''}:${e.line ?? 0}: ${e.message}`) } };
      }
      case 'local_job': {
        const r = parseLocalJob(b);
        if (typeof r === 'string') throw new WireError('malformed', `local_job: ${r}`);
        if (!this.d.store) return { body: { ok: false, error: 'this master keeps no job cache' } };
        return { body: await recordLocalJob({ store: this.d.store, events: this.d.events }, h.id, r) };
      }
      case 'stop':
        this.d.events.fire(`umec/agent/${h.id}/stop`, { id: h.id });
        return { body: { ok: true } };
      default:
        throw new WireError('malformed', `unknown message type ${JSON.stringify(h.type).slice(0, 40)}`);
    }
  }
}
