import type { FromSchema } from 'json-schema-to-ts';

/** The `redfish:` section of agent.yaml. Present (and not `enabled: false`) → the agent serves Redfish. */
export const redfishConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 8443 },
    bind: { type: 'string', minLength: 1, default: '0.0.0.0' },
    /** Certificate and key (PEM); without them a self-signed pair is made in data_dir/redfish/tls on first start. */
    tls: {
      type: 'object', additionalProperties: false, required: ['cert', 'key'],
      properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
    },
    /** Plain HTTP instead of HTTPS: for tests only, never on a box. */
    insecure_http: { type: 'boolean', default: false },
    /** Default data_dir/redfish/accounts.json. */
    accounts_file: { type: 'string', minLength: 1 },
    /** Initial SessionService.SessionTimeout, seconds (PATCH changes it later). */
    session_timeout: { type: 'integer', minimum: 30, maximum: 86400, default: 1800 },
    lockout_threshold: { type: 'integer', minimum: 0, maximum: 100, default: 5 },
    /** Open sessions in all, and of one account (so one user cannot take them all); default 64 and 8 (redfish/sessions.ts DEFAULT_SESSION_LIMITS). */
    session_limit: { type: 'integer', minimum: 1, maximum: 10000 },
    session_limit_per_account: { type: 'integer', minimum: 1, maximum: 10000 },
    lockout_duration: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    sysfs_root: { type: 'string', minLength: 1, default: '/sys' },
  },
} as const;
export type RedfishConfig = FromSchema<typeof redfishConfigSchema>;
