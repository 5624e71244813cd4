import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppSupport } from '../app-support.js';
import type { ServiceRegistry } from '../services.js';
import { forbidden } from '../problem.js';

export interface Mp1Routes {
  services: ServiceRegistry;
  appSupport: AppSupport;
  transports: () => Array<Record<string, unknown>>;
  timing: { currentTime: () => Promise<Record<string, unknown>>; caps: () => Promise<Record<string, unknown>> };
}

declare module 'fastify' {
  interface FastifyRequest { mp1App?: string }
}

export type Params = { appInstanceId: string; serviceId: string; subscriptionId: string; dnsRuleId: string; trafficRuleId: string };
export type Req = FastifyRequest<{ Params: Params; Querystring: Record<string, unknown> }>;

/** The app instance the token belongs to; 403 when it is not the one in the path. */
export function own(req: Req): string {
  const app = req.params.appInstanceId;
  if (req.mp1App !== app) throw forbidden(`app instance ${req.mp1App} may not act on app instance ${app}'s resources`);
  return app;
}

export function created(reply: FastifyReply, location: string, body: unknown, etag?: string): unknown {
  reply.code(201).header('location', location);
  if (etag) reply.header('etag', etag);
  return body;
}
