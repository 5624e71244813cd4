/** The `redfish:` section of agent.yaml. Present (and not `enabled: false`) → the agent serves Redfish. */
export interface RedfishConfig {
  enabled: boolean;
  port: number;
  bind: string;
  /** Certificate and key (PEM); without them a self-signed pair is made in data_dir/redfish/tls on first start. */
  tls?: { cert: string; key: string };
  /** Plain HTTP instead of HTTPS: for tests only, never on a box. */
  insecure_http: boolean;
  /** Default data_dir/redfish/accounts.json. */
  accounts_file?: string;
  /** Initial SessionService.SessionTimeout, seconds (PATCH changes it later). */
  session_timeout: number;
  lockout_threshold: number;
  /** Open sessions in all, and of one account (so one user cannot take them all); defaults 64 and 8. */
  session_limit?: number;
  session_limit_per_account?: number;
  lockout_duration: number;
  sysfs_root: string;
}

export const redfishConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 8443 },
    bind: { type: 'string', minLength: 1, default: '0.0.0.0' },
    tls: {
      type: 'object', additionalProperties: false, required: ['cert', 'key'],
      properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
    },
    insecure_http: { type: 'boolean', default: false },
    accounts_file: { type: 'string', minLength: 1 },
    session_timeout: { type: 'integer', minimum: 30, maximum: 86400, default: 1800 },
    lockout_threshold: { type: 'integer', minimum: 0, maximum: 100, default: 5 },
    session_limit: { type: 'integer', minimum: 1, maximum: 10000, default: 64 },
    session_limit_per_account: { type: 'integer', minimum: 1, maximum: 10000, default: 8 },
    lockout_duration: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    sysfs_root: { type: 'string', minLength: 1, default: '/sys' },
  },
};
