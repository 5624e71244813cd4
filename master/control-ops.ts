import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { appIndexSchema, jobRequestSchema, TARGET_TYPES, umecEventSchema } from '../lib/messages.js';

/**
 * The master's control protocol (the local socket the CLI talks to, and the
 * coming HTTP API): every operation once, with its request and response JSON
 * schemas and the privilege it needs. The types below are derived from these
 * schemas; master/control.ts validates every request against them and keys
 * its handlers by this table; cli/master-client.ts is the one client.
 *
 * On the wire a request is `{op, ...fields}`; a reply is JSON lines: one
 * `{type: 'result', result}` for a unary operation, the operation's `lines`
 * for a streamed one, or `{type: 'error', code, message}`.
 *
 * To add an operation: add it here, then its handler in master/control.ts
 * (the build fails until it is there), then call it from a command.
 */

/** read: look only; operate: run jobs on boxes; admin: keys and tokens; apps: on-board app packages. */
export const PRIVILEGES = ['read', 'operate', 'admin', 'apps'] as const;
export type Privilege = typeof PRIVILEGES[number];

const none = { type: 'object', additionalProperties: false, properties: {} } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const agentId = { type: 'string', minLength: 1, maxLength: 256, description: 'an agent id' } as const;
const obj = <const P extends Record<string, JSONSchema>, const R extends readonly string[]>(properties: P, required: R) =>
  ({ type: 'object', additionalProperties: false, properties, required }) as const;

const masterInfo = obj({ pubkey: { type: 'string' }, publish_port: { type: 'integer' }, return_port: { type: 'integer' } }, ['pubkey', 'publish_port', 'return_port']);
const changed = obj({ changed: strings }, ['changed']);

const tokenView = obj({
  id: { type: 'string' }, created: { type: 'string' }, expires: { type: 'string' }, uses: { type: 'integer' },
  used_by: strings, grains: stringMap, revoked: { type: 'string' }, comment: { type: 'string' },
  status: { enum: ['valid', 'expired', 'used', 'revoked'] },
}, ['id', 'created', 'expires', 'uses', 'used_by', 'grains', 'status']);

const appIndex = appIndexSchema;

const jobRecord = {
  jid: { type: 'string' }, fun: { type: 'string' }, args: {},
  target: obj({ expr: { type: 'string' }, type: { type: 'string' } }, ['expr', 'type']),
  targets: strings, user: { type: 'string' }, startedAt: { type: 'string' }, test: { type: 'boolean' }, batch: { type: 'string' },
} as const;
const jobRecordRequired = ['jid', 'fun', 'args', 'target', 'targets', 'startedAt'] as const;

const returnRecord = obj({
  jid: { type: 'string' }, id: { type: 'string' }, fun: { type: 'string' }, ret: {}, retcode: { type: 'integer' },
  success: { type: 'boolean' }, receivedAt: { type: 'string' },
}, ['jid', 'id', 'fun', 'ret', 'retcode', 'success', 'receivedAt']);

const scheduleRun = obj({ at: { type: 'string' }, ok: { type: 'boolean' }, jid: { type: 'string' }, error: { type: 'string' }, skipped: { type: 'string' } }, ['at', 'ok']);

const rolloutStop = obj({ failures: { type: 'integer' }, max_failures: { type: 'string' }, not_run: strings }, ['failures', 'max_failures', 'not_run']);

const line = <const T extends string, const P extends Record<string, JSONSchema>, const R extends readonly string[]>(type: T, properties: P, required: R) =>
  obj({ type: { const: type }, ...properties }, ['type', ...required]);

export const CONTROL_OPS = {
  'master.info': { privilege: 'read', request: none, response: masterInfo },
  'key.list': {
    privilege: 'read', request: none,
    response: obj({ accepted: strings, pending: strings, rejected: strings, notes: stringMap }, ['accepted', 'pending', 'rejected', 'notes']),
  },
  'key.finger': {
    privilege: 'read', request: none,
    response: obj({
      master: { type: 'string' },
      agents: { type: 'object', additionalProperties: obj({ state: { type: 'string' }, fingerprint: { type: 'string' } }, ['state', 'fingerprint']) },
    }, ['master', 'agents']),
  },
  'key.accept': {
    privilege: 'admin',
    request: obj({ id: agentId, all: { type: 'boolean', default: false }, include_rejected: { type: 'boolean', default: false } }, []),
    response: changed,
  },
  'key.reject': { privilege: 'admin', request: obj({ id: agentId, all: { type: 'boolean', default: false } }, []), response: changed },
  'key.delete': { privilege: 'admin', request: obj({ id: agentId }, ['id']), response: changed },
  'key.grains': {
    privilege: 'admin',
    request: obj({
      id: agentId,
      set: { ...stringMap, default: {}, description: 'a mapping of grain names to strings' },
      unset: { ...strings, default: [], description: 'a list of grain names' },
    }, ['id']),
    response: obj({ id: { type: 'string' }, grains: { type: 'object' } }, ['id', 'grains']),
  },
  'token.create': {
    privilege: 'admin',
    request: obj({
      ttl_seconds: { type: 'number', exclusiveMinimum: 0, default: 86_400, description: 'a number of seconds' },
      uses: { type: 'integer', minimum: 1, default: 1, description: 'a whole number of uses' },
      grains: { ...stringMap, default: {}, description: 'a mapping of grain names to strings' },
      comment: { type: 'string' },
    }, []),
    response: obj({ token: { type: 'string' }, record: tokenView, master: masterInfo }, ['token', 'record', 'master']),
  },
  'token.list': { privilege: 'admin', request: none, response: { type: 'array', items: tokenView } },
  'token.revoke': {
    privilege: 'admin', request: obj({ id: { type: 'string', minLength: 1, description: 'a token or token id' } }, ['id']),
    response: obj({ revoked: { type: 'boolean' } }, ['revoked']),
  },
  'schedule.list': {
    privilege: 'read', request: none,
    response: {
      type: 'array',
      items: obj({
        name: { type: 'string' }, cron: { type: 'string' }, splay: { type: 'number' }, enabled: { type: 'boolean' },
        next: { type: 'string' }, last: scheduleRun, runs: { type: 'integer' },
      }, ['name', 'cron', 'splay', 'enabled', 'runs']),
    },
  },
  'app.onboard': {
    privilege: 'apps',
    request: obj({ path: { type: 'string', pattern: '^/', description: 'an absolute package path' } }, ['path']),
    response: obj({ status: { enum: ['onboarded', 'unchanged'] }, app: appIndex }, ['status', 'app']),
  },
  'app.allow': {
    privilege: 'admin',
    request: obj({
      name: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$', description: 'an app name' },
      allow: { ...strings, default: [], description: 'a list of exceptions' },
      revoke: { ...strings, default: [], description: 'a list of exceptions' },
    }, ['name']),
    response: obj({ name: { type: 'string' }, allowed: strings }, ['name', 'allowed']),
  },
  'app.list': { privilege: 'read', request: none, response: { type: 'array', items: appIndex } },
  'job.list': {
    privilege: 'read',
    request: obj({ limit: { type: 'integer', minimum: 1, default: 50, description: 'a positive whole number' } }, []),
    response: {
      type: 'array',
      items: obj({ ...jobRecord, returned: { type: 'integer' }, expected: { type: 'integer' } }, [...jobRecordRequired, 'returned', 'expected']),
    },
  },
  'job.show': {
    privilege: 'read', request: obj({ jid: { type: 'string', minLength: 1, description: 'a job id' } }, ['jid']),
    response: {
      anyOf: [{ type: 'null' }, obj({ job: obj(jobRecord, jobRecordRequired), returns: { type: 'array', items: returnRecord } }, ['job', 'returns'])],
    },
  },
  'mp1.services': {
    privilege: 'read',
    request: obj({ tgt: { type: 'string', minLength: 1, description: 'a target' }, tgt_type: { enum: TARGET_TYPES, default: 'glob' } }, ['tgt']),
    response: {
      type: 'object',
      additionalProperties: obj({
        services: { anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'object' } }] },
        lastSeen: { type: 'number' },
      }, ['services', 'lastSeen']),
    },
  },
  events: {
    privilege: 'read', stream: true,
    request: obj({ recent: { type: 'integer', minimum: 0, default: 0, description: 'a count of recent events' } }, []),
    lines: { anyOf: [line('subscribed', {}, []), line('event', { event: umecEventSchema }, ['event'])] },
  },
  'job.start': {
    privilege: 'operate', stream: true,
    request: obj({ request: jobRequestSchema }, ['request']),
    lines: {
      anyOf: [
        line('job', { jid: { type: 'string' }, targets: strings }, ['jid', 'targets']),
        line('return', { ret: returnRecord }, ['ret']),
        line('done', { missing: strings, stopped: rolloutStop }, ['missing']),
      ],
    },
  },
} as const;

type Table = typeof CONTROL_OPS;
export type ControlOp = keyof Table;
/** Operations answered with one result. */
export type UnaryOp = { [K in ControlOp]: Table[K] extends { stream: true } ? never : K }[ControlOp];
/** Operations answered with a stream of lines until the master closes the connection. */
export type StreamOp = Exclude<ControlOp, UnaryOp>;

/** Every operation's types, derived from its schemas once (generic code indexes this map). */
type ControlTypes = {
  [K in ControlOp]: {
    /** As the handler sees it: defaults filled in. */
    request: FromSchema<Table[K]['request']>;
    /** As a client sends it: fields with a default may be left out. */
    input: FromSchema<Table[K]['request'], { keepDefaultedPropertiesOptional: true }>;
    /** A client's arguments after the op: the request, optional when it has no required field. */
    args: Table[K]['request'] extends { required: readonly [string, ...string[]] }
      ? [req: FromSchema<Table[K]['request'], { keepDefaultedPropertiesOptional: true }>]
      : [req?: FromSchema<Table[K]['request'], { keepDefaultedPropertiesOptional: true }>];
    response: Table[K] extends { response: infer S extends JSONSchema } ? FromSchema<S> : never;
    line: Table[K] extends { lines: infer S extends JSONSchema } ? FromSchema<S> : never;
  }
};
export type ControlRequest<K extends ControlOp> = ControlTypes[K]['request'];
export type ControlInput<K extends ControlOp> = ControlTypes[K]['input'];
export type ControlArgs<K extends ControlOp> = ControlTypes[K]['args'];
export type ControlResponse<K extends UnaryOp> = ControlTypes[K]['response'];
export type ControlLine<K extends StreamOp> = ControlTypes[K]['line'];

export const privilegeOf = (op: ControlOp): Privilege => CONTROL_OPS[op].privilege;
