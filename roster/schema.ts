import type { FromSchema } from 'json-schema-to-ts';

/** JSON schema of a roster file: one entry per id, plus roster_defaults. */

const entryProps = {
  host: { type: 'string', minLength: 1 },
  port: { type: 'integer', minimum: 1, maximum: 65535 },
  user: { type: 'string', minLength: 1 },
  priv: { type: 'string', minLength: 1 },
  passwd: { type: 'string' },
  sudo: { type: 'boolean' },
  sudo_user: { type: 'string', minLength: 1 },
  timeout: { type: 'number', exclusiveMinimum: 0 },
  grains: { type: 'object' },
  thin_dir: { type: 'string', minLength: 1 },
  known_hosts: { type: 'string', minLength: 1 },
  node: { type: 'string', minLength: 1 },
} as const;

const entrySchema = { type: 'object', additionalProperties: false, properties: entryProps } as const;

export const rosterSchema = {
  type: 'object',
  properties: { roster_defaults: entrySchema },
  additionalProperties: entrySchema,
} as const;

/** An entry (or roster_defaults) as written in the file. */
export type RawEntry = FromSchema<typeof entrySchema>;

/** Built-in settings under roster_defaults and each entry. */
export const ENTRY_DEFAULTS = {
  port: 22,
  sudo: false,
  timeout: 10,
  node: 'node',
} as const;
