import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, methodNotAllowed, RedfishHttpError } from './errors.js';
import { baseMessage } from './messages.js';
import type { Privilege } from './roles.js';
import { compileBody, bodyMessages, type BodySchema, type BodyContext } from './validation.js';

export type Body = Record<string, unknown>;

export interface Write {
  /** Privilege the caller needs; `check` may refine it (a user changing their own password). */
  privilege: Privilege | 'Self';
  schema: BodySchema;
  /** Names the action for ActionParameter* messages (POST to Actions/...). */
  action?: string;
  create?: boolean;
  /** Needs no credentials (POST to Sessions: the body carries them). */
  public?: boolean;
  handler: (req: FastifyRequest, body: Body, reply: FastifyReply) => Promise<unknown>;
}

export interface ResourceSpec {
  get?: (req: FastifyRequest) => Promise<Body>;
  patch?: Write;
  post?: Write;
  delete?: { privilege: Privilege | 'Self'; handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown> };
  /** Served without credentials (/redfish and /redfish/v1/ only). */
  public?: boolean;
}

/** The HTTP methods Redfish defines; any other is answered 405 with a Redfish body (plugin.ts). */
export const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

/** 405 with Allow for the methods of `url` that are not in `allow` (for routes registered by hand). */
export function otherMethods(app: FastifyInstance, url: string, allow: string[]): void {
  app.route({
    method: METHODS.filter((m) => !allow.includes(m)), url, config: { privilege: 'Login' },
    handler: async () => { throw methodNotAllowed(allow); },
  });
}

/** Weak ETag of a representation: its readings change it, which is what If-Match should catch. */
export const etagOf = (json: string) => `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 16)}"`;

export function sendJson(reply: FastifyReply, body: unknown, status = 200): FastifyReply {
  const json = JSON.stringify(body);
  return reply.code(status).header('ETag', etagOf(json)).type('application/json; charset=utf-8').send(json);
}

function ifNoneMatch(req: FastifyRequest, etag: string): boolean {
  const h = req.headers['if-none-match'];
  return typeof h === 'string' && (h.trim() === '*' || h.split(',').map((s) => s.trim()).includes(etag));
}

/**
 * One Redfish resource at `url`: GET with ETag (If-None-Match → 304), PATCH/POST
 * bodies validated with ajv into Base registry messages, If-Match checked against the
 * current representation, and 405 with Allow for every other method.
 */
export function resource(app: FastifyInstance, url: string, spec: ResourceSpec): void {
  const allow = [spec.get && 'GET', spec.get && 'HEAD', spec.post && 'POST', spec.patch && 'PATCH', spec.delete && 'DELETE'].filter(Boolean) as string[];
  if (spec.get) {
    const get = spec.get;
    app.route({
      method: 'GET', url, exposeHeadRoute: true, config: { privilege: 'Login', public: spec.public ?? false },
      handler: async (req, reply) => {
        const json = JSON.stringify(await get(req));
        const etag = etagOf(json);
        if (ifNoneMatch(req, etag)) return reply.code(304).header('ETag', etag).send();
        return reply.header('ETag', etag).header('Allow', allow.join(', ')).type('application/json; charset=utf-8').send(json);
      },
    });
  }
  for (const [method, w] of [['PATCH', spec.patch], ['POST', spec.post]] as const) {
    if (!w) continue;
    const validate = compileBody(w.schema);
    app.route({
      method, url, config: { privilege: w.privilege, public: w.public ?? false },
      handler: async (req, reply) => {
        const body = req.body ?? {};
        if (typeof body !== 'object' || Array.isArray(body)) throw badRequest(baseMessage('MalformedJSON'));
        // annotations alone (an @odata.etag copied from a GET) ask for no change (DSP0266 PATCH rules)
        const keys = Object.keys(body);
        if (method === 'PATCH' && keys.length > 0 && keys.every((k) => k.startsWith('@odata.'))) throw badRequest(baseMessage('NoOperation'));
        let current: Body | undefined;
        if (method === 'PATCH' && spec.get) {
          current = await spec.get(req);
          const want = req.headers['if-match'];
          if (typeof want === 'string' && want.trim() !== '*') {
            const etag = etagOf(JSON.stringify(current));
            if (!want.split(',').map((s) => s.trim()).includes(etag)) throw new RedfishHttpError(412, [baseMessage('PreconditionFailed')]);
          }
        }
        if (!validate(body)) {
          const ctx: BodyContext = { action: w.action, create: w.create, readonly: current ? new Set(Object.keys(current)) : undefined };
          throw badRequest(...bodyMessages(validate.errors ?? [], body, ctx));
        }
        const out = await w.handler(req, body as Body, reply);
        // a PATCH answers with the new representation and the ETag a GET would give
        if (method === 'PATCH' && out && !reply.sent && out !== reply) return sendJson(reply, out);
        return out;
      },
    });
  }
  if (spec.delete) {
    const d = spec.delete;
    app.route({ method: 'DELETE', url, config: { privilege: d.privilege }, handler: (req, reply) => d.handler(req, reply) });
  }
  const others = METHODS.filter((m) => !allow.includes(m));
  if (others.length) {
    app.route({
      method: others, url, config: { privilege: 'Login', public: spec.public ?? false },
      handler: async () => { throw methodNotAllowed(allow); },
    });
  }
}
