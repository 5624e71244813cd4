import type { FastifyInstance } from 'fastify';
import { parseServiceFilter } from '../services.js';
import { created, own, type Mp1Routes, type Req } from './types.js';

/** mec_service_mgmt/v1: services, discovery, availability subscriptions, transports. */
export function serviceMgmtRoutes(app: FastifyInstance, r: Mp1Routes): void {
  const s = r.services;
  app.get('/services', async (req: Req) => s.query(parseServiceFilter(req.query)));
  app.get('/services/:serviceId', async (req: Req, reply) => {
    const { info, etag } = s.get(req.params.serviceId);
    reply.header('etag', etag);
    return info;
  });
  app.get('/transports', async () => r.transports());

  // any app may read another's service list (discovery shows them all anyway); only the owner changes it
  app.get('/applications/:appInstanceId/services', async (req: Req) => s.query(parseServiceFilter(req.query), req.params.appInstanceId));
  app.post('/applications/:appInstanceId/services', async (req: Req, reply) => {
    const { info, etag, location } = await s.register(own(req), req.body);
    return created(reply, location, info, etag);
  });
  app.get('/applications/:appInstanceId/services/:serviceId', async (req: Req, reply) => {
    const { info, etag } = s.get(req.params.serviceId, req.params.appInstanceId);
    reply.header('etag', etag);
    return info;
  });
  app.put('/applications/:appInstanceId/services/:serviceId', async (req: Req, reply) => {
    const { info, etag } = await s.update(own(req), req.params.serviceId, req.body, req.headers['if-match']);
    reply.header('etag', etag);
    return info;
  });
  app.delete('/applications/:appInstanceId/services/:serviceId', async (req: Req, reply) => {
    await s.remove(own(req), req.params.serviceId);
    return reply.code(204).send();
  });

  app.get('/applications/:appInstanceId/subscriptions', async (req: Req) => s.listSubscriptions(own(req)));
  app.post('/applications/:appInstanceId/subscriptions', async (req: Req, reply) => {
    const { sub, location } = await s.subscribe(own(req), req.body);
    return created(reply, location, sub);
  });
  app.get('/applications/:appInstanceId/subscriptions/:subscriptionId', async (req: Req) => s.getSubscription(own(req), req.params.subscriptionId));
  app.delete('/applications/:appInstanceId/subscriptions/:subscriptionId', async (req: Req, reply) => {
    await s.unsubscribe(own(req), req.params.subscriptionId);
    return reply.code(204).send();
  });
}
