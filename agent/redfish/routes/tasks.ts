import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RedfishDeps } from '../context.js';
import { RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { otherMethods, resource, sendJson } from '../resource.js';
import type { Task } from '../tasks.js';
import { taskBody } from './update.js';

const TS = `${V1}/TaskService`;

export function taskRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const find = (req: FastifyRequest): Task => {
    const id = (req.params as { id: string }).id;
    const t = deps.tasks.get(id);
    if (!t) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Task', id])]);
    return t;
  };

  resource(app, TS, {
    get: async () => ({
      '@odata.id': TS, '@odata.type': TYPES.TaskService, Id: 'TaskService', Name: 'Task Service',
      ServiceEnabled: true, CompletedTaskOverWritePolicy: 'Oldest', LifeCycleEventOnTaskStateChange: false,
      DateTime: new Date().toISOString(), Status: { State: 'Enabled', Health: 'OK' }, Tasks: link(`${TS}/Tasks`),
    }),
  });

  resource(app, `${TS}/Tasks`, { get: async () => collection(TYPES.TaskCollection, `${TS}/Tasks`, 'Tasks', deps.tasks.list().map((t) => `${TS}/Tasks/${t.id}`)) });

  resource(app, `${TS}/Tasks/:id`, { get: async (req) => taskBody(find(req)) });

  // the task monitor: 202 while the task runs, then the outcome; DELETE cancels (DSP0266 "Asynchronous operations")
  app.route({
    method: 'GET', url: `${TS}/TaskMonitors/:id`, config: { privilege: 'Login' },
    handler: async (req, reply) => {
      const t = find(req);
      if (!deps.tasks.isFinal(t)) reply.header('Location', `${TS}/TaskMonitors/${t.id}`).header('Retry-After', '1');
      return sendJson(reply, taskBody(t), deps.tasks.isFinal(t) ? 200 : 202);
    },
  });
  app.route({
    method: 'DELETE', url: `${TS}/TaskMonitors/:id`, config: { privilege: 'ConfigureComponents' },
    handler: async (req, reply) => {
      const t = find(req);
      if (deps.tasks.isFinal(t)) return reply.code(204).send();
      t.state = 'Cancelling';
      t.cancel?.();
      return reply.code(202).header('Location', `${TS}/TaskMonitors/${t.id}`).send();
    },
  });
  otherMethods(app, `${TS}/TaskMonitors/:id`, ['GET', 'HEAD', 'DELETE']);
}
