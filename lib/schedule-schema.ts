import { JOB_FUNS, jobArgsSchema, TARGET_TYPES } from './messages.js';

/** `schedule:` entries in master.yaml and agent.yaml (name → entry); defaults live here. */
const common = {
  /** Cron expression, 5 fields or 6 with seconds first. */
  cron: { type: 'string', minLength: 1 },
  function: { enum: JOB_FUNS },
  args: { ...jobArgsSchema, properties: { ...jobArgsSchema.properties, sls: { type: 'array', items: { type: 'string', minLength: 1 } } }, default: {} },
  /** Up to this many seconds of random delay per run, so a fleet does not fire at once. */
  splay: { type: 'number', minimum: 0, maximum: 86_400, default: 0 },
  enabled: { type: 'boolean', default: true },
} as const;

const names = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,100}$' } as const;

export const masterScheduleSchema = {
  type: 'object', default: {}, propertyNames: names,
  additionalProperties: {
    type: 'object', additionalProperties: false, required: ['cron', 'function'],
    properties: {
      ...common,
      target: { type: 'string', minLength: 1, default: '*' },
      tgt_type: { enum: TARGET_TYPES, default: 'glob' },
      timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
    },
  },
} as const;

export const agentScheduleSchema = {
  type: 'object', default: {}, propertyNames: names,
  additionalProperties: { type: 'object', additionalProperties: false, required: ['cron', 'function'], properties: common },
} as const;
