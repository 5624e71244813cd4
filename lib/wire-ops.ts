import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { appIndexSchema, jobArgsSchema, returnMessageSchema } from './messages.js';

/**
 * The agent → master request protocol (over the CURVE DEALER/ROUTER pair,
 * each message MACed: lib/wire.ts): every message type once, with the JSON
 * schema of its body and of the master's reply. The master validates each body
 * against it (master/ret-server.ts, one handler per type, keyed by this table)
 * and drops a bad one as malformed; the agent's channel (agent/channel.ts) is
 * typed by it. A reply that carries file bytes sends them as a second frame.
 *
 * To add a message: add it here, then its handler in master/ret-server.ts (the
 * build fails until it is there), then send it from the agent.
 */

const obj = <const P extends Record<string, JSONSchema>, const R extends readonly string[]>(properties: P, required: R) =>
  ({ type: 'object', additionalProperties: false, properties, required }) as const;
const none = obj({}, []);
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const refused = obj({ ok: { const: false }, error: { type: 'string' } }, ['ok', 'error']);

export const WIRE_OPS = {
  /** The one message answered for a key that is not accepted yet; its MAC proves the sender holds the key it presents. */
  key_request: {
    request: obj({ pubkey: { type: 'string', minLength: 40, maxLength: 40, description: 'a CURVE public key' }, grains: { type: 'object' }, token: { type: 'string' } }, ['pubkey']),
    reply: obj({ status: { enum: ['pending', 'accepted', 'rejected', 'conflict'] }, grains: stringMap, reason: { type: 'string' } }, ['status']),
  },
  /** Here I am (and my grains); the answer says where jobs are published. */
  hello: {
    request: obj({ grains: { type: 'object' }, start: { type: 'boolean', default: false } }, []),
    reply: obj({ publish_port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['publish_port']),
  },
  return: {
    request: returnMessageSchema,
    reply: obj({ ok: { type: 'boolean' } }, ['ok']),
  },
  /** The state tree's manifest, or that it is unchanged since `have`. */
  manifest: {
    request: obj({ have: { type: 'string' } }, []),
    reply: { anyOf: [obj({ hash: { type: 'string' }, unchanged: { const: true } }, ['hash', 'unchanged']), obj({ hash: { type: 'string' }, files: stringMap }, ['hash', 'files'])] },
  },
  /** A file of the state tree or an app package by hash, whole or a range; the bytes come as the second frame. */
  file: {
    request: obj({
      hash: { type: 'string', minLength: 1, description: 'a file hash' },
      offset: { type: 'integer', minimum: 0, description: 'a byte offset' },
      length: { type: 'integer', minimum: 1, description: 'a byte count' },
    }, ['hash']),
    reply: { anyOf: [obj({ ok: { const: true }, size: { type: 'integer' } }, ['ok']), refused] },
  },
  /** An on-boarded app package's index and app.yaml (the newest version without one). */
  app: {
    request: obj({ name: { type: 'string', minLength: 1 }, version: { type: 'string' } }, ['name']),
    reply: { anyOf: [obj({ ok: { const: true }, index: appIndexSchema, app_yaml: { type: 'string' } }, ['ok', 'index', 'app_yaml']), refused] },
  },
  pillar: {
    request: none,
    reply: obj({ pillar: { type: 'object' }, errors: { type: 'array', items: { type: 'string' } } }, ['pillar', 'errors']),
  },
  /** A job the agent ran on its own (commissioning, its schedules): job and return in one message. */
  local_job: {
    request: obj({
      kind: { enum: ['commission', 'schedule'] },
      name: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,100}$', description: 'a schedule or commissioning step name' },
      ...returnMessageSchema.properties, args: jobArgsSchema,
      startedAt: { type: 'string', minLength: 1, description: 'an ISO time' },
      attempt: { type: 'integer', minimum: 1 },
    }, ['kind', 'name', 'jid', 'fun', 'args', 'startedAt', 'ret', 'retcode', 'success']),
    reply: obj({ ok: { type: 'boolean' }, error: { type: 'string' } }, ['ok']),
  },
  /** Something the agent noticed, published by the master as umec/agent/<id>/<kind> (kinds are a fixed list). */
  event: {
    request: obj({ kind: { enum: ['cache/corrupt', 'store/damaged'] }, data: { type: 'object', maxProperties: 16 } }, ['kind', 'data']),
    reply: obj({ ok: { const: true } }, ['ok']),
  },
  /** The agent is shutting down. */
  stop: { request: none, reply: obj({ ok: { const: true } }, ['ok']) },
} as const;

type Table = typeof WIRE_OPS;
export type WireType = keyof Table;
export const isWireType = (t: string): t is WireType => Object.hasOwn(WIRE_OPS, t);

type WireTypes = {
  [T in WireType]: {
    /** As the master's handler sees it: defaults filled in. */
    request: FromSchema<Table[T]['request']>;
    /** As the agent sends it. */
    input: FromSchema<Table[T]['request'], { keepDefaultedPropertiesOptional: true }>;
    reply: FromSchema<Table[T]['reply']>;
  }
};
export type WireRequest<T extends WireType> = WireTypes[T]['request'];
export type WireInput<T extends WireType> = WireTypes[T]['input'];
export type WireReplyBody<T extends WireType> = WireTypes[T]['reply'];
export interface WireReply<T extends WireType> { body: WireReplyBody<T>; data?: Buffer }

// One overload per message type, so an argument is checked against that type's schema only
// (a generic signature makes the compiler expand every type of the table at each call).
type Overloads<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** Sends `type` with its body and resolves with the master's typed reply: the shape of agent/channel.ts request(). */
export type WireRequester<T extends WireType = WireType> = Overloads<{
  [K in T]: (type: K, body: WireInput<K>, timeoutSec?: number) => Promise<WireReply<K>>
}[T]>;
