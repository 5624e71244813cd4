import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppIdentity, AppIdentityProvider } from '../../lib/app-identity.js';
import { httpStatusOf, UmecError } from '../../lib/errors.js';
import { limitJsonBodies, type BodyLimits } from '../../lib/http-body.js';
import type { Logger } from '../../lib/log.js';
import { AppSupport } from './app-support.js';
import { mp1BaseUrl, type Mp1Config } from './config.js';
import { APPSUP, SMGMT, type Mp1Context } from './context.js';
import { DnsApplier } from './dns.js';
import { IdentityStore, type AppRecord } from './identities.js';
import { RegistryTables } from './registry-tables.js';
import { loadOrCreateSecret } from './keys.js';
import { Notifier, type PendingNotification } from './notifier.js';
import { badRequest, fromUmecError, Mp1Problem, notFound } from './problem.js';
import { RateLimiter } from './rate-limit.js';
import { appSupportRoutes } from './routes/app-support.js';
import { serviceMgmtRoutes } from './routes/service-mgmt.js';
import type { Mp1Routes } from './routes/types.js';
import { Mp1Schemas } from './schemas.js';
import { ServiceRegistry } from './services.js';
import { currentTime, timingCaps } from './timing.js';
import { TokenError, TokenIssuer, type TokenClaims } from './tokens.js';
import { CallbackPolicy } from './callback-policy.js';
import { NftApplier } from './nft-applier.js';

export interface Mp1ServerOptions {
  config: Mp1Config;
  /** The agent's data_dir; Mp1 keeps everything under <data_dir>/mp1. */
  dataDir: string;
  log: Logger;
  /** 'check' has nft only parse the ruleset (tests); default: 'apply' when traffic.apply, else 'off'. */
  nftMode?: 'apply' | 'check' | 'off';
  /** The nft program (tests run it inside a private network namespace). */
  nft?: string;
  /** Clock for tokens (tests of expiry). */
  now?: () => number;
  timingCaps?: () => Promise<Record<string, unknown>>;
  currentTime?: () => Promise<Record<string, unknown>>;
  /** Size and depth limits of JSON bodies (default MP1_BODY_LIMITS; tests raise the depth to reach the registry's own check). */
  bodyLimits?: BodyLimits;
}

const PROBLEM = 'application/problem+json';
// path ids (appInstanceId up to 128, UUIDs) must fit fastify's path-parameter limit, or it answers 414
const FASTIFY_OPTS = { logger: false, bodyLimit: 1 << 20, routerOptions: { maxParamLength: 256 } } as const;
/** Mp1 bodies are a few KiB (ServiceInfo, rules, subscriptions) and at most ~6 levels deep. */
export const MP1_BODY_LIMITS: BodyLimits = { maxBytes: 1 << 20, maxDepth: 32 };

/**
 * The agent's ETSI MEC 011 (Mp1) server: mec_service_mgmt/v1 and
 * mec_app_support/v1 behind OAuth2 client-credentials tokens, and the
 * AppIdentityProvider that app deployment uses to give each app instance its
 * credentials.
 */

/** The query parameters MEC 011 v2.1.1 defines, by route: services lists take the service filter, nothing else takes any. */
const SERVICE_QUERY = ['ser_instance_id', 'ser_name', 'ser_category_id', 'consumed_local_only', 'is_local', 'scope_of_locality'];
function checkQuery(route: string, query: Record<string, unknown> | undefined): void {
  const allowed = route.endsWith('/services') ? SERVICE_QUERY : [];
  const unknown = Object.keys(query ?? {}).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw badRequest(`unknown query parameter ${unknown.join(', ')}${allowed.length ? ` (this list takes ${allowed.join(', ')})` : ' (this resource takes none)'}`);
  }
}

export class Mp1Server implements AppIdentityProvider {
  readonly http: FastifyInstance;
  readonly services: ServiceRegistry;
  readonly appSupport: AppSupport;
  readonly notifier: Notifier;
  private readonly seen = new Set<string>();

  private constructor(private readonly o: Mp1ServerOptions, readonly baseUrl: string, private readonly registry: RegistryTables,
    readonly identities: IdentityStore, private readonly tokens: TokenIssuer, schemas: Mp1Schemas, private readonly tls?: { cert: string; key: string }) {
    const { config, log } = o;
    const mp1Dir = join(o.dataDir, 'mp1');
    this.notifier = new Notifier({
      maxAttempts: config.notify.max_attempts, backoffMs: config.notify.backoff_ms, timeoutMs: config.notify.timeout_ms,
      callbacks: new CallbackPolicy(config.notify.allow),
      droppedFile: join(mp1Dir, 'dropped-notifications.jsonl'), log,
      store: {
        put: (id, p) => registry.write('outbox', id, p),
        delete: (id) => registry.write('outbox', id, undefined),
        pending: () => [...registry.table<PendingNotification>('outbox')],
      },
    });
    const ctx: Mp1Context = { registry, identities, notifier: this.notifier, schemas, log, baseUrl };
    this.services = new ServiceRegistry(ctx, { transports: () => this.transports(), tokenEndpoint: this.tokenEndpoint });
    this.appSupport = new AppSupport(ctx, {
      dns: new DnsApplier({ hostsFile: config.dns.hosts_file ?? join(mp1Dir, 'hosts'), pidFile: config.dns.dnsmasq_pidfile }),
      nft: new NftApplier({ file: config.traffic.nft_file ?? join(mp1Dir, 'traffic.nft'), mode: o.nftMode ?? (config.traffic.apply ? 'apply' : 'off'), nft: o.nft }),
      ruleChanges: config.rule_changes,
    });
    this.http = this.build();
  }

  static async open(o: Mp1ServerOptions): Promise<Mp1Server> {
    const mp1Dir = join(o.dataDir, 'mp1');
    const [registry, identities, key] = await Promise.all([
      RegistryTables.open(join(mp1Dir, 'registry'), { onCompactError: (e) => o.log.error({ err: e }, 'cannot compact the Mp1 registry; its log keeps every change and compaction is tried again later') }), IdentityStore.open(mp1Dir), loadOrCreateSecret(mp1Dir, 'token.key'),
    ]);
    const c = o.config;
    const baseUrl = mp1BaseUrl(c);
    const tokens = new TokenIssuer(key, { issuer: baseUrl, ttlSeconds: c.token_ttl, now: o.now });
    const s = new Mp1Server(o, baseUrl, registry, identities, tokens, new Mp1Schemas(), await loadTls(c));
    await s.appSupport.applyRules();
    const resumed = s.notifier.resume();
    if (resumed) o.log.info({ notifications: resumed }, 'resuming notifications left undelivered');
    return s;
  }

  get tokenEndpoint(): string { return `${this.baseUrl}/oauth/token`; }

  transports(): Array<Record<string, unknown>> {
    return [{
      id: 'umec-rest-http', name: 'REST', description: 'REST API over HTTP, authorized by OAuth 2.0 client-credentials bearer tokens',
      type: 'REST_HTTP', protocol: 'HTTP', version: '1.1', endpoint: { uris: [this.baseUrl] },
      security: { oAuth2Info: { grantTypes: ['OAUTH2_CLIENT_CREDENTIALS'], tokenEndpoint: this.tokenEndpoint } },
    }];
  }

  private build(): FastifyInstance {
    const c = this.o.config;
    const limits = this.o.bodyLimits ?? MP1_BODY_LIMITS;
    const opts = { ...FASTIFY_OPTS, bodyLimit: limits.maxBytes };
    const app = (this.tls ? Fastify({ ...opts, https: this.tls }) : Fastify(opts)) as unknown as FastifyInstance;
    limitJsonBodies(app, limits);
    const problem = (reply: FastifyReply, req: FastifyRequest, p: Mp1Problem) => {
      for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
      return reply.code(p.status).type(PROBLEM).send(p.body(`${this.baseUrl}${req.url}`));
    };
    app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      if (err instanceof Mp1Problem) return problem(reply, req, err);
      if (err instanceof UmecError) {
        if (httpStatusOf(err.code) >= 500) this.o.log.error({ err, url: req.url }, 'Mp1 request failed');
        return problem(reply, req, fromUmecError(err));
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.o.log.error({ err, url: req.url }, 'Mp1 request failed');
      return problem(reply, req, new Mp1Problem(status, status === 500 ? 'internal error' : err.message));
    });
    app.setNotFoundHandler((req, reply) => problem(reply, req, new Mp1Problem(404, `no resource ${req.method} ${req.url.split('?')[0]}`)));

    const limiter = new RateLimiter(c.rate_limit);
    const failures = new RateLimiter(5);
    app.register(formbody);
    app.post('/oauth/token', (req, reply) => this.token(req, reply, failures));

    const routes: Mp1Routes = {
      services: this.services, appSupport: this.appSupport, transports: () => this.transports(),
      timing: { currentTime: this.o.currentTime ?? (() => currentTime()), caps: this.o.timingCaps ?? (() => timingCaps()) },
    };
    const authed = (register: (a: FastifyInstance, r: Mp1Routes) => void) => async (a: FastifyInstance) => {
      a.addHook('onRequest', async (req) => {
        req.mp1App = await this.authenticate(req.headers.authorization);
        const ok = limiter.take(req.mp1App);
        if (ok !== true) throw new Mp1Problem(429, `app instance ${req.mp1App} sends more than ${c.rate_limit} requests per second`, { 'retry-after': String(ok) });
        // an app instance that does not exist is 404 (GS MEC 032-2 test purposes); another app's own is 403 (routes/types.ts own())
        const named = (req.params as { appInstanceId?: string } | undefined)?.appInstanceId;
        if (named !== undefined && named !== req.mp1App && !this.identities.get(named)) throw notFound(`app instance ${named}`);
        checkQuery(req.routeOptions.url ?? '', req.query as Record<string, unknown> | undefined);
      });
      register(a, routes);
    };
    app.register(authed(serviceMgmtRoutes), { prefix: SMGMT });
    app.register(authed(appSupportRoutes), { prefix: APPSUP });
    return app;
  }

  private async authenticate(header: string | undefined): Promise<string> {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    const challenge = (error?: string) => ({ 'www-authenticate': `Bearer realm="mp1"${error ? `, error="${error}"` : ''}` });
    if (!m) throw new Mp1Problem(401, 'an access token is required (Authorization: Bearer, from POST /oauth/token)', challenge());
    let claims: TokenClaims;
    try {
      claims = await this.tokens.verify(m[1]);
    } catch (e) {
      if (e instanceof TokenError) throw new Mp1Problem(401, e.message, challenge('invalid_token'));
      throw e;
    }
    const app = claims.appInstanceId;
    // credentials rotated or removed by `umec mp1 app add --rotate` (another process) count within a second
    await this.identities.refresh();
    const rec = this.identities.get(app);
    if (!rec) throw new Mp1Problem(401, `app instance ${app} no longer exists`, challenge('invalid_token'));
    // a token lives only as long as the credentials it was issued for: rotation and removal revoke it at once
    if (rec.clientId !== claims.clientId) throw new Mp1Problem(401, `the credentials this token was issued for were replaced; get a new token`, challenge('invalid_token'));
    if (!this.seen.has(app)) { await this.appSupport.ensureApp(app); this.seen.add(app); }
    return app;
  }

  /** RFC 6749 4.4 client credentials; client authentication by HTTP Basic (2.3.1) or in the form body. */
  private async token(req: FastifyRequest, reply: FastifyReply, failures: RateLimiter): Promise<unknown> {
    const oauthError = (status: number, error: string, description: string) => {
      if (status === 401) reply.header('www-authenticate', 'Basic realm="mp1"');
      return reply.code(status).header('cache-control', 'no-store').send({ error, error_description: description });
    };
    const body = (req.body ?? {}) as Record<string, unknown>;
    let id = typeof body.client_id === 'string' ? body.client_id : undefined;
    let secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, ...p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
      id = decodeURIComponent(u ?? '');
      secret = decodeURIComponent(p.join(':'));
    }
    if (body.grant_type !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
    if (!id || !secret) return oauthError(401, 'invalid_client', 'client_id and client_secret are required');
    let rec: AppRecord | undefined = this.identities.authenticate(id, secret);
    if (!rec) {
      const wait = failures.take(req.ip);
      if (wait !== true) { reply.header('retry-after', String(wait)); return oauthError(429, 'slow_down', 'too many failed attempts; try again later'); }
      await this.identities.reload(); // provisioned by `umec mp1 app add` since we last looked?
      rec = this.identities.authenticate(id, secret);
      if (!rec) return oauthError(401, 'invalid_client', 'unknown client or wrong secret');
    }
    const { token, expiresIn } = await this.tokens.issue(rec.appInstanceId, rec.clientId);
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send({ access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: 'mp1' });
  }

  async listen(): Promise<void> {
    await this.http.listen({ port: this.o.config.port, host: this.o.config.bind });
  }

  // AppIdentityProvider

  async ensure(appInstanceId: string, meta: { appName?: string; appVersion?: string; dnsRules?: unknown[]; trafficRules?: unknown[] } = {}): Promise<AppIdentity> {
    const { identity, created } = await this.identities.ensure(appInstanceId, meta);
    if (created) { await this.appSupport.restarted(appInstanceId); this.seen.delete(appInstanceId); }
    await this.appSupport.ensureApp(appInstanceId);
    this.seen.add(appInstanceId);
    return identity;
  }

  /** Terminates the instance (its termination subscribers get up to graceful_timeout to confirm), then forgets everything of it. */
  async remove(appInstanceId: string): Promise<void> {
    await this.appSupport.terminate(appInstanceId, 'TERMINATING', this.o.config.graceful_timeout);
    await this.services.removeApp(appInstanceId);
    await this.appSupport.removeApp(appInstanceId);
    await this.identities.remove(appInstanceId);
    this.tokens.revoke(appInstanceId);
    this.seen.delete(appInstanceId);
  }

  endpoint(): string { return this.baseUrl; }

  async close(): Promise<void> {
    this.notifier.close();
    await this.http.close();
    await this.registry.close();
  }
}

/** Reads the PEM files named in the config (so a missing file fails at start, naming it). */
export async function loadTls(c: Mp1Config): Promise<{ cert: string; key: string } | undefined> {
  if (!c.tls) return undefined;
  const [cert, key] = await Promise.all([readFile(c.tls.cert, 'utf8'), readFile(c.tls.key, 'utf8')]);
  return { cert, key };
}
