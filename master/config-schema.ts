import { masterScheduleSchema } from '../lib/schedule-schema.js';

/** The master.yaml schema; defaults live here. Kept apart so clients can read defaults without the validator. */
const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

export const masterConfigSchema = {
  type: 'object',
  properties: {
    data_dir: { type: 'string', minLength: 1, default: '/var/lib/umec/master' },
    state_root: { type: 'string', minLength: 1, default: '/srv/umec/states' },
    pillar_root: { type: 'string', minLength: 1, default: '/srv/umec/pillar' },
    interface: { type: 'string', minLength: 1, default: '0.0.0.0' },
    publish_port: { ...port, default: 4505 },
    return_port: { ...port, default: 4506 },
    autosign_grains: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, default: {} },
    autosign_tokens: { type: 'array', items: { type: 'string', minLength: 16 }, default: [] },
    log_level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info' },
    /** Seconds a job waits for returns by default. */
    timeout: { type: 'number', exclusiveMinimum: 0, default: 30 },
    /** Largest message (bytes) an agent may send; a bigger one cuts its connection before it is read. */
    max_message_size: { type: 'integer', minimum: 65_536, maximum: 4_294_967_296, default: 67_108_864 },
    /** Keys that may wait for acceptance at once; key requests of new ids beyond it are not recorded. */
    max_pending_keys: { type: 'integer', minimum: 1, default: 1000 },
    /** New pending keys recorded per minute at most (burst: the same number). */
    pending_keys_per_minute: { type: 'number', exclusiveMinimum: 0, default: 60 },
    /** What app packages may ask for: host paths their containers may bind-mount (none by default). */
    app_policy: {
      type: 'object', additionalProperties: false, default: {},
      properties: { host_paths: { type: 'array', items: { type: 'string', pattern: '^/' }, default: [] } },
    },
    /** Jobs the master starts by itself (name → cron, target, function, args, splay). */
    schedule: masterScheduleSchema,
  },
  additionalProperties: false,
} as const;
