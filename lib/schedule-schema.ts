/** `schedule:` entries in master.yaml and agent.yaml (name → entry); defaults live here. */
const funs = ['ping', 'apply', 'run', 'grains'];

const common = {
  cron: { type: 'string', minLength: 1 },
  function: { enum: funs },
  args: {
    type: 'object', default: {}, additionalProperties: false,
    properties: {
      sls: { type: 'array', items: { type: 'string', minLength: 1 } },
      test: { type: 'boolean' },
      cmd: { type: 'array', items: { type: 'string' }, minItems: 1 },
    },
  },
  splay: { type: 'number', minimum: 0, maximum: 86_400, default: 0 },
  enabled: { type: 'boolean', default: true },
};

const names = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,100}$' };

export const masterScheduleSchema = {
  type: 'object', default: {}, propertyNames: names,
  additionalProperties: {
    type: 'object', additionalProperties: false, required: ['cron', 'function'],
    properties: {
      ...common,
      target: { type: 'string', minLength: 1, default: '*' },
      tgt_type: { enum: ['glob', 'list', 'grain', 'grain_pcre', 'pcre', 'pillar', 'compound'], default: 'glob' },
      timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86_400 },
    },
  },
} as const;

export const agentScheduleSchema = {
  type: 'object', default: {}, propertyNames: names,
  additionalProperties: { type: 'object', additionalProperties: false, required: ['cron', 'function'], properties: common },
} as const;
