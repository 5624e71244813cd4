import type { FromSchema } from 'json-schema-to-ts';

/** agent.yaml `bootstrap:` (zero-touch commissioning on first boot); defaults live here. */
export const bootstrapSettingsSchema = {
  type: 'object', default: {}, additionalProperties: false,
  properties: {
    /** Bootstrap file on the boot partition: master, master_pubkey, token, grains. */
    file: { type: 'string', minLength: 1, default: '/boot/umec-bootstrap.yaml' },
    /** An enrolment token in agent.yaml itself (prefer the boot file: it is blanked after use). */
    token: { type: 'string', minLength: 16 },
    /** auto: commission when a bootstrap file, token or UMEC_* variable is there; true: always on first boot; false: never. */
    commission: { enum: ['auto', true, false], default: 'auto' },
    /** What happens to the bootstrap file's token once the key is accepted. */
    after_use: { enum: ['blank', 'remove'], default: 'blank' },
    /** Seconds before the first retry of a failed commissioning step; doubles up to retry_max. */
    retry_min: { type: 'number', exclusiveMinimum: 0, default: 5 },
    retry_max: { type: 'number', exclusiveMinimum: 0, default: 600 },
  },
} as const;
export type BootstrapSettings = FromSchema<typeof bootstrapSettingsSchema>;

/** The bootstrap file's own schema. */
export const bootstrapFileSchema = {
  type: 'object', additionalProperties: false,
  properties: {
    master: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] },
    master_pubkey: { type: 'string', pattern: '^[0-9a-zA-Z.\\-:+=^!/*?&<>()\\[\\]{}@%$#]{40}$' },
    /** Blank once used. */
    token: { type: ['string', 'null'] },
    grains: { type: 'object' },
  },
} as const;
