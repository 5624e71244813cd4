import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UmecError } from '../../../lib/errors.js';
import type { Account } from '../accounts.js';
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '../accounts.js';
import type { RedfishDeps } from '../context.js';
import { forbidden, RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource, type Body } from '../resource.js';
import { hasPrivilege, ROLE_IDS, ROLES, type RoleId } from '../roles.js';

const AS = `${V1}/AccountService`;

export function accountRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const uri = (a: Account) => `${AS}/Accounts/${a.id}`;
  const body = (a: Account): Body => ({
    '@odata.id': uri(a), '@odata.type': TYPES.ManagerAccount, Id: a.id, Name: 'User Account', UserName: a.username,
    RoleId: a.role, Enabled: a.enabled, Locked: deps.accounts.isLocked(a.username), Password: null,
    AccountTypes: ['Redfish'], Links: { Role: link(`${AS}/Roles/${a.role}`) },
  });
  const find = (req: FastifyRequest): Account => {
    const id = (req.params as { id: string }).id;
    const a = deps.accounts.get(id);
    if (!a) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['ManagerAccount', id])]);
    return a;
  };
  const self = (req: FastifyRequest, a: Account) => req.principal?.accountId === a.id;
  const admins = (except: string) => deps.accounts.list().filter((a) => a.id !== except && a.enabled && a.role === 'Administrator').length;
  const storeError = (e: unknown): never => {
    if (e instanceof UmecError && e.code === 'REDFISH_ACCOUNT_EXISTS') {
      throw new RedfishHttpError(409, [baseMessage('ResourceAlreadyExists', ['ManagerAccount', 'UserName', String(e.details.username)])]);
    }
    throw e;
  };

  resource(app, AS, {
    get: async () => ({
      '@odata.id': AS, '@odata.type': TYPES.AccountService, Id: 'AccountService', Name: 'Account Service',
      ServiceEnabled: true, Status: { State: 'Enabled', Health: 'OK' },
      MinPasswordLength: PASSWORD_MIN, MaxPasswordLength: PASSWORD_MAX,
      AccountLockoutThreshold: deps.accounts.lockout.threshold, AccountLockoutDuration: deps.accounts.lockout.duration,
      AccountLockoutCounterResetAfter: deps.accounts.lockout.resetAfter,
      LocalAccountAuth: 'Enabled',
      Accounts: link(`${AS}/Accounts`), Roles: link(`${AS}/Roles`),
    }),
  });

  resource(app, `${AS}/Accounts`, {
    get: async (req) => {
      await deps.accounts.refresh();
      const all = deps.accounts.list();
      const visible = hasPrivilege(req.principal!.role, 'ConfigureUsers') ? all : all.filter((a) => self(req, a));
      return collection(TYPES.ManagerAccountCollection, `${AS}/Accounts`, 'Accounts', visible.map(uri));
    },
    post: {
      privilege: 'ConfigureUsers', create: true,
      schema: {
        type: 'object', additionalProperties: false, required: ['UserName', 'Password', 'RoleId'],
        properties: {
          UserName: { type: 'string', pattern: USERNAME_PATTERN },
          Password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX },
          RoleId: { type: 'string', enum: ROLE_IDS },
          Enabled: { type: 'boolean' },
        },
      },
      handler: async (req, b, reply) => {
        const a = await deps.accounts.create({ username: b.UserName as string, password: b.Password as string, role: b.RoleId as RoleId, enabled: b.Enabled as boolean | undefined })
          .catch(storeError);
        deps.log?.info({ by: req.principal?.username, user: a.username, role: a.role }, 'Redfish account created');
        return reply.code(201).header('Location', uri(a)).send(body(a));
      },
    },
  });

  resource(app, `${AS}/Accounts/:id`, {
    get: async (req) => {
      const a = find(req);
      if (!self(req, a) && !hasPrivilege(req.principal!.role, 'ConfigureUsers')) throw forbidden();
      return body(a);
    },
    patch: {
      privilege: 'Self',
      schema: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: {
          UserName: { type: 'string', pattern: USERNAME_PATTERN },
          Password: { type: 'string', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX },
          RoleId: { type: 'string', enum: ROLE_IDS },
          Enabled: { type: 'boolean' },
          // only unlocking is a client's to do
          Locked: { const: false },
        },
      },
      handler: async (req, b) => {
        const a = find(req);
        const admin = hasPrivilege(req.principal!.role, 'ConfigureUsers');
        // without ConfigureUsers: one's own password, nothing else (ConfigureSelf)
        if (!admin && !(self(req, a) && Object.keys(b).every((k) => k === 'Password'))) throw forbidden();
        const demotes = (b.RoleId !== undefined && b.RoleId !== 'Administrator') || b.Enabled === false;
        if (a.role === 'Administrator' && demotes && admins(a.id) === 0) {
          throw new RedfishHttpError(409, [baseMessage('PropertyValueIncorrect', [b.Enabled === false ? 'Enabled' : 'RoleId', String(b.Enabled === false ? false : b.RoleId)])]);
        }
        const next = await deps.accounts.update(a.id, {
          username: b.UserName as string | undefined, password: b.Password as string | undefined,
          role: b.RoleId as RoleId | undefined, enabled: b.Enabled as boolean | undefined,
        }).catch(storeError);
        if (b.Locked === false) deps.accounts.unlock(next.username);
        // a new credential generation (password, role, name, enabled) has ended the sessions: free their places now
        if (next.generation !== a.generation) deps.sessions.deleteAccount(a.id);
        deps.log?.info({ by: req.principal?.username, user: next.username, changed: Object.keys(b) }, 'Redfish account changed');
        return body(next);
      },
    },
    delete: {
      privilege: 'ConfigureUsers',
      handler: async (req, reply) => {
        const a = find(req);
        if (a.role === 'Administrator' && admins(a.id) === 0) throw new RedfishHttpError(409, [baseMessage('ResourceCannotBeDeleted')]);
        await deps.accounts.remove(a.id);
        deps.sessions.deleteAccount(a.id);
        deps.log?.info({ by: req.principal?.username, user: a.username }, 'Redfish account deleted');
        return reply.code(204).send();
      },
    },
  });

  resource(app, `${AS}/Roles`, { get: async () => collection(TYPES.RoleCollection, `${AS}/Roles`, 'Roles', ROLE_IDS.map((r) => `${AS}/Roles/${r}`)) });

  resource(app, `${AS}/Roles/:id`, {
    get: async (req) => {
      const id = (req.params as { id: string }).id as RoleId;
      if (!ROLE_IDS.includes(id)) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Role', id])]);
      return {
        '@odata.id': `${AS}/Roles/${id}`, '@odata.type': TYPES.Role, Id: id, RoleId: id, Name: `${id} role`,
        IsPredefined: true, AssignedPrivileges: [...ROLES[id]],
      };
    },
  });
}
