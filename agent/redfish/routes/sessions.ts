import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RedfishDeps } from '../context.js';
import { forbidden, RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource } from '../resource.js';
import { hasPrivilege } from '../roles.js';
import type { Session } from '../sessions.js';

const SS = `${V1}/SessionService`;
export const SESSION_TIMEOUT = { min: 30, max: 86400 };

export function sessionRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const uri = (s: Session) => `${SS}/Sessions/${s.id}`;
  const body = (s: Session) => ({
    '@odata.id': uri(s), '@odata.type': TYPES.Session, Id: s.id, Name: 'User Session', UserName: s.username,
    SessionType: 'Redfish', CreatedTime: new Date(s.created).toISOString(), Password: null,
  });
  const alive = (s: Session) => deps.accounts.isCurrent(s.accountId, s.generation);
  const find = (req: FastifyRequest): Session => {
    const id = (req.params as { id: string }).id;
    const s = deps.sessions.list(alive).find((x) => x.id === id);
    if (!s) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Session', id])]);
    return s;
  };
  const own = (req: FastifyRequest, s: Session) => req.principal?.sessionId === s.id
    || (req.principal?.accountId === s.accountId);

  const service = async () => ({
    '@odata.id': SS, '@odata.type': TYPES.SessionService, Id: 'SessionService', Name: 'Session Service',
    ServiceEnabled: true, SessionTimeout: deps.sessions.timeout, Status: { State: 'Enabled', Health: 'OK' },
    Sessions: link(`${SS}/Sessions`),
  });

  resource(app, SS, {
    get: service,
    patch: {
      privilege: 'ConfigureManager',
      schema: { type: 'object', additionalProperties: false, minProperties: 1, properties: { SessionTimeout: { type: 'integer', minimum: SESSION_TIMEOUT.min, maximum: SESSION_TIMEOUT.max } } },
      handler: async (_req, b) => {
        await deps.settings.update({ sessionTimeout: b.SessionTimeout as number });
        deps.sessions.timeout = b.SessionTimeout as number;
        return service();
      },
    },
  });

  resource(app, `${SS}/Sessions`, {
    get: async (req) => {
      // everybody sees their own sessions; ConfigureManager sees all
      const all = deps.sessions.list(alive);
      const visible = hasPrivilege(req.principal!.role, 'ConfigureManager') ? all : all.filter((s) => s.accountId === req.principal!.accountId);
      return collection(TYPES.SessionCollection, `${SS}/Sessions`, 'Session Collection', visible.map(uri));
    },
    post: {
      privilege: 'Login', public: true, create: true,
      schema: {
        type: 'object', additionalProperties: false, required: ['UserName', 'Password'],
        properties: { UserName: { type: 'string', minLength: 1, maxLength: 64 }, Password: { type: 'string', minLength: 1, maxLength: 256 } },
      },
      handler: async (req, b, reply) => {
        const a = await deps.accounts.authenticate(b.UserName as string, b.Password as string);
        if (!a) {
          deps.log?.warn({ user: b.UserName, from: req.ip }, 'Redfish login failed');
          throw new RedfishHttpError(401, [baseMessage('NoValidSession')]);
        }
        const s = deps.sessions.create(a, alive);
        if (typeof s === 'string') {
          const limit = s === 'total' ? deps.sessions.limits.total : deps.sessions.limits.perAccount;
          deps.log?.warn({ user: a.username, from: req.ip, limit, of: s === 'total' ? 'all accounts' : 'this account' }, 'Redfish session limit reached');
          throw new RedfishHttpError(503, [baseMessage('SessionLimitExceeded')]);
        }
        return reply.code(201).header('Location', uri(s)).header('X-Auth-Token', s.token).send(body(s));
      },
    },
  });

  resource(app, `${SS}/Sessions/:id`, {
    get: async (req) => {
      const s = find(req);
      if (!own(req, s) && !hasPrivilege(req.principal!.role, 'ConfigureManager')) throw forbidden();
      return body(s);
    },
    delete: {
      privilege: 'Self',
      handler: async (req, reply) => {
        const s = find(req);
        if (!own(req, s) && !hasPrivilege(req.principal!.role, 'ConfigureManager')) throw forbidden();
        deps.sessions.delete(s.id);
        return reply.code(204).send();
      },
    },
  });
}
