import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { RedfishDeps, Principal } from './context.js';
import { httpStatusOf, UmecError } from '../../lib/errors.js';
import { limitJsonBodies, type BodyLimits } from '../../lib/http-body.js';
import { forbidden, fromUmecError, noSession, notFound, RedfishHttpError } from './errors.js';
import { baseMessage } from './messages.js';
import { METHODS } from './resource.js';
import { hasPrivilege } from './roles.js';
import { accountRoutes } from './routes/accounts.js';
import { chassisRoutes } from './routes/chassis.js';
import { managerRoutes } from './routes/managers.js';
import { rootRoutes } from './routes/root.js';
import { sessionRoutes } from './routes/sessions.js';
import { systemRoutes } from './routes/systems.js';
import { taskRoutes } from './routes/tasks.js';
import { updateRoutes } from './routes/update.js';

const DESCRIBED_BY = '</redfish/v1/$metadata>; rel=describedby';

/** Largest request body: Redfish bodies here are a few hundred bytes. */
export const BODY_LIMIT = 64 * 1024;
/** Redfish bodies here are at most 3 levels deep (Oem, Links): anything far deeper is refused before parsing. */
export const BODY_LIMITS: BodyLimits = { maxBytes: BODY_LIMIT, maxDepth: 32 };

async function authenticate(req: FastifyRequest, deps: RedfishDeps): Promise<Principal | null> {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token) {
    // an account removed or disabled with the CLI ends its sessions within a second
    await deps.accounts.refresh().catch(() => undefined);
    // bound to the account's id and credential generation, never to its name
    const s = deps.sessions.use(token, (x) => deps.accounts.isCurrent(x.accountId, x.generation));
    const a = s && deps.accounts.get(s.accountId);
    return s && a ? { username: a.username, accountId: a.id, role: a.role, sessionId: s.id } : null;
  }
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^basic /i.test(h)) {
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 1) return null;
    const a = await deps.accounts.authenticate(decoded.slice(0, i), decoded.slice(i + 1));
    return a ? { username: a.username, accountId: a.id, role: a.role } : null;
  }
  return null;
}

/** Redfish supports no $-query here; other query parameters are ignored (DSP0266 "Query parameters"). */
function checkQuery(req: FastifyRequest): void {
  const q = req.url.indexOf('?');
  if (q < 0) return;
  const params = new URLSearchParams(req.url.slice(q + 1));
  for (const k of params.keys()) {
    if (k.startsWith('$') || k === 'only' || k === 'excerpt') throw new RedfishHttpError(501, [baseMessage('QueryParameterUnsupported', [k])]);
  }
}

/**
 * The Redfish service as a fastify plugin: every resource, authentication and
 * privileges on each route, and Redfish error bodies for every failure.
 */
export async function redfishPlugin(app: FastifyInstance, deps: RedfishDeps): Promise<void> {
  app.decorateRequest('principal', undefined);

  // before the body is read: a caller without credentials learns nothing from how its body is judged
  app.addHook('onRequest', async (req, reply) => {
    reply.header('OData-Version', '4.0').header('Cache-Control', 'no-store');
    // this service speaks OData 4.0 only: a client asking for another version is refused (DSP0266 "OData-Version")
    const odata = req.headers['odata-version'];
    if (odata !== undefined && odata !== '4.0') throw new RedfishHttpError(412, [baseMessage('HeaderInvalid', ['OData-Version'])]);
    const cfg = req.routeOptions.config;
    if (!cfg.public) {
      const p = await authenticate(req, deps);
      if (!p) throw noSession();
      req.principal = p;
      const need = cfg.privilege ?? 'Login';
      // 'Self' routes decide in their handler (own password, own session); Login is the floor
      if (!hasPrivilege(p.role, need === 'Self' ? 'Login' : need)) throw forbidden();
    }
    checkQuery(req);
  });

  // every GET/HEAD answer names the schema document that describes it (DSP0266 "Link header")
  app.addHook('onSend', async (req, reply, payload) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && reply.statusCode < 300) reply.header('Link', DESCRIBED_BY);
    return payload;
  });

  // the onRequest hook has authenticated the caller already: no hint about what exists without credentials
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    // a method Redfish does not define (PURGE, COPY...) is not allowed anywhere, whatever the path
    if (!(METHODS as readonly string[]).includes(req.method)) {
      reply.code(405).header('Allow', METHODS.join(', '));
      return new RedfishHttpError(405, [baseMessage('OperationNotAllowed')]).body();
    }
    reply.code(404);
    return notFound(path).body();
  });

  app.setErrorHandler(async (err, req, reply) => {
    let e: RedfishHttpError;
    if (err instanceof RedfishHttpError) e = err;
    else if (err instanceof UmecError) {
      if (httpStatusOf(err.code) >= 500) deps.log?.error({ err, url: req.url.split('?')[0], method: req.method }, 'Redfish request failed');
      e = fromUmecError(err, req.url.split('?')[0]);
    } else {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      const code = (err as { code?: string }).code ?? '';
      if (status === 413) e = new RedfishHttpError(413, [baseMessage('PayloadTooLarge')]);
      else if (status === 415) e = new RedfishHttpError(415, [baseMessage('GeneralError')]);
      else if (code.startsWith('FST_ERR_CTP') || status === 400) e = new RedfishHttpError(400, [baseMessage('MalformedJSON')]);
      else {
        deps.log?.error({ err, url: req.url.split('?')[0], method: req.method }, 'Redfish request failed');
        e = new RedfishHttpError(500, [baseMessage('InternalError')]);
      }
    }
    reply.code(e.status).headers(e.headers).type('application/json; charset=utf-8');
    return e.body();
  });

  for (const routes of [rootRoutes, systemRoutes, chassisRoutes, managerRoutes, updateRoutes, taskRoutes, sessionRoutes, accountRoutes]) {
    routes(app, deps);
  }
}
// hooks and handlers apply to the instance the plugin is registered on (what fastify-plugin does)
(redfishPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export interface AppOptions {
  https?: { key: string | Buffer; cert: string | Buffer };
}

/** A fastify instance serving Redfish: used by the agent and, with inject() or a socket, by tests and the benchmark. */
export async function createRedfishApp(deps: RedfishDeps, o: AppOptions = {}): Promise<FastifyInstance> {
  const opts: FastifyServerOptions & { https?: unknown } = {
    bodyLimit: BODY_LIMIT,
    // POST to a collection's Members is POST to the collection (DSP0266 "POST (create)")
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      return req.method === 'POST' ? url.replace(/^([^?]*)\/Members(?=\/?(\?|$))/, '$1') : url;
    },
    // a request line node cannot parse (a method it does not know) still gets a Redfish answer
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Duplex) => {
      const unknownMethod = err.code === 'HPE_INVALID_METHOD';
      const e = new RedfishHttpError(unknownMethod ? 405 : 400, [baseMessage(unknownMethod ? 'OperationNotAllowed' : 'GeneralError')]);
      const body = JSON.stringify(e.body());
      if (socket.writable) {
        socket.end(`HTTP/1.1 ${e.status} ${unknownMethod ? 'Method Not Allowed' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n`
          + `OData-Version: 4.0\r\n${unknownMethod ? `Allow: ${METHODS.join(', ')}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      } else socket.destroy();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    // request lines carry no secrets, but headers do (Authorization, X-Auth-Token): no request logging at all
    logger: false,
    ...(o.https ? { https: { ...o.https, minVersion: 'TLSv1.2' } } : {}),
  };
  const app = Fastify(opts as FastifyServerOptions) as unknown as FastifyInstance;
  limitJsonBodies(app, BODY_LIMITS);
  await app.register(redfishPlugin, deps);
  return app;
}
