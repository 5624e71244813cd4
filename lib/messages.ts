import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/** What travels between master, agents and the CLI: the schemas, and the types derived from them. */

const obj = <const P extends Record<string, JSONSchema>, const R extends readonly string[]>(properties: P, required: R) =>
  ({ type: 'object', additionalProperties: false, properties, required }) as const;

export const JOB_FUNS = ['ping', 'apply', 'run', 'grains'] as const;
export type JobFun = typeof JOB_FUNS[number];

export const TARGET_TYPES = ['glob', 'list', 'grain', 'grain_pcre', 'pcre', 'pillar', 'compound'] as const;
export type TargetType = typeof TARGET_TYPES[number];

export const jobArgsSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    /** apply: SLS names; empty = highstate. */
    sls: { type: 'array', items: { type: 'string' }, description: 'a list of SLS names' },
    test: { type: 'boolean' },
    /** run: argv. */
    cmd: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'a command (a non-empty list of strings)' },
  },
} as const;
export type JobArgs = FromSchema<typeof jobArgsSchema>;

const share = { type: 'string', pattern: '^\\d+%?$', description: 'a count or a percentage' } as const;

/** A job as a client asks for it (umec ping/run/apply, schedules). */
export const jobRequestSchema = {
  type: 'object', additionalProperties: false, required: ['fun', 'tgt', 'tgt_type'],
  properties: {
    fun: { enum: JOB_FUNS },
    args: { ...jobArgsSchema, default: {} },
    tgt: { type: 'string', minLength: 1, description: 'a target' },
    tgt_type: { enum: TARGET_TYPES },
    /** Seconds to wait for returns after the last publication. */
    timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86_400, description: 'between 0 and 86400 seconds' },
    /** Sliding window: a count ("10") or a share of the targets ("10%"). */
    batch: share,
    /** Rollout stop: once more targets than this ("2" or "10%" of the targets) failed or did not return, no further batch is published. */
    max_failures: share,
    /** Who started the job, kept in the job record (set by the master for schedules, never by a client). */
    user: { type: 'string' },
  },
  // run needs its command
  if: { properties: { fun: { const: 'run' } } },
  then: { required: ['args'], properties: { args: { required: ['cmd'] } } },
} as const;
export type JobRequest = FromSchema<typeof jobRequestSchema>;

const strings = { type: 'array', items: { type: 'string' } } as const;

/** What the master keeps about an on-boarded app package (states/apps/package.ts AppIndex), and sends an agent that asks. */
export const appIndexSchema = obj({
  name: { type: 'string' }, version: { type: 'string' }, description: { type: 'string' }, digest: { type: 'string' },
  onboarded: { type: 'string' }, containers: strings,
  files: { type: 'object', additionalProperties: obj({ sha256: { type: 'string' }, size: { type: 'integer' } }, ['sha256', 'size']) },
  images: { type: 'object', additionalProperties: obj({ id: { type: 'string' }, tags: strings }, ['id', 'tags']) },
}, ['name', 'version', 'digest', 'onboarded', 'containers', 'files', 'images']);

export const jidSchema = { type: 'string', pattern: '^\\d{20}$', description: 'a job id' } as const;

/** A job as the master publishes it to agents (checked by the agent: agent/master-link.ts). */
export const jobMessageSchema = obj({
  jid: jidSchema, fun: { enum: JOB_FUNS }, args: jobArgsSchema,
  /** Agent ids this publication is for; "*" for every accepted agent. */
  targets: { anyOf: [{ const: '*' }, { type: 'array', items: { type: 'string' } }], description: '"*" or a list of agent ids' },
}, ['jid', 'fun', 'args', 'targets']);
export type JobMessage = FromSchema<typeof jobMessageSchema>;

/** An agent's answer to a job (the body of the wire's `return` message, lib/wire-ops.ts). */
export const returnMessageSchema = obj({
  jid: jidSchema, fun: { enum: JOB_FUNS }, ret: {}, retcode: { type: 'integer' }, success: { type: 'boolean' },
}, ['jid', 'fun', 'ret', 'retcode', 'success']);
export type ReturnMessage = FromSchema<typeof returnMessageSchema>;

export const umecEventSchema = {
  type: 'object', additionalProperties: false, required: ['tag', 'ts', 'data'],
  properties: { tag: { type: 'string' }, ts: { type: 'string' }, data: { type: 'object' } },
} as const;
/** Master events, streamed by `umec events`. */
export type UmecEvent = FromSchema<typeof umecEventSchema>;
