import type { FastifyInstance } from 'fastify';
import { created, own, type Mp1Routes, type Req } from './types.js';

/** mec_app_support/v1: readiness, termination, termination subscriptions, DNS and traffic rules, timing. */
export function appSupportRoutes(app: FastifyInstance, r: Mp1Routes): void {
  const a = r.appSupport;
  app.post('/applications/:appInstanceId/confirm_ready', async (req: Req, reply) => {
    await a.confirmReady(own(req), req.body);
    return reply.code(204).send();
  });
  app.post('/applications/:appInstanceId/confirm_termination', async (req: Req, reply) => {
    await a.confirmTermination(own(req), req.body);
    return reply.code(204).send();
  });

  app.get('/applications/:appInstanceId/subscriptions', async (req: Req) => a.listSubscriptions(own(req)));
  app.post('/applications/:appInstanceId/subscriptions', async (req: Req, reply) => {
    const { sub, location } = await a.subscribe(own(req), req.body);
    return created(reply, location, sub);
  });
  app.get('/applications/:appInstanceId/subscriptions/:subscriptionId', async (req: Req) => a.getSubscription(own(req), req.params.subscriptionId));
  app.delete('/applications/:appInstanceId/subscriptions/:subscriptionId', async (req: Req, reply) => {
    await a.unsubscribe(own(req), req.params.subscriptionId);
    return reply.code(204).send();
  });

  app.get('/applications/:appInstanceId/dns_rules', async (req: Req) => a.listDns(own(req)));
  app.get('/applications/:appInstanceId/dns_rules/:dnsRuleId', async (req: Req, reply) => {
    const { rule, etag } = a.getDns(own(req), req.params.dnsRuleId);
    reply.header('etag', etag);
    return rule;
  });
  app.put('/applications/:appInstanceId/dns_rules/:dnsRuleId', async (req: Req, reply) => {
    const { rule, etag } = await a.putDns(own(req), req.params.dnsRuleId, req.body, req.headers['if-match']);
    reply.header('etag', etag);
    return rule;
  });

  app.get('/applications/:appInstanceId/traffic_rules', async (req: Req) => a.listTraffic(own(req)));
  app.get('/applications/:appInstanceId/traffic_rules/:trafficRuleId', async (req: Req, reply) => {
    const { rule, etag } = a.getTraffic(own(req), req.params.trafficRuleId);
    reply.header('etag', etag);
    return rule;
  });
  app.put('/applications/:appInstanceId/traffic_rules/:trafficRuleId', async (req: Req, reply) => {
    const { rule, etag } = await a.putTraffic(own(req), req.params.trafficRuleId, req.body, req.headers['if-match']);
    reply.header('etag', etag);
    return rule;
  });

  app.get('/timing/current_time', async () => r.timing.currentTime());
  app.get('/timing/timing_caps', async () => r.timing.caps());
}
