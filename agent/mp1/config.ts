import type { FromSchema } from 'json-schema-to-ts';

/** The `mp1:` block of agent.yaml; present = the agent serves Mp1. */
export const mp1ConfigSchema = {
  type: 'object',
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 8081 },
    bind: { type: 'string', minLength: 1, default: '127.0.0.1' },
    /** Base URL apps use (MEC_MP1_ENDPOINT); default http(s)://bind:port. */
    public_url: { type: 'string', pattern: '^https?://' },
    /** PEM files; without them the server speaks plain HTTP (for tests and loopback-only boxes). */
    tls: {
      type: 'object', properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
      required: ['cert', 'key'], additionalProperties: false,
    },
    /** Lifetime of an access token, seconds. */
    token_ttl: { type: 'integer', minimum: 10, maximum: 86400, default: 300 },
    /** Notification delivery: attempts before a notification is dropped (and recorded), first backoff in ms. */
    notify: {
      type: 'object',
      properties: {
        max_attempts: { type: 'integer', minimum: 1, maximum: 100, default: 6 },
        backoff_ms: { type: 'integer', minimum: 1, maximum: 600_000, default: 500 },
        timeout_ms: { type: 'integer', minimum: 1, maximum: 600_000, default: 5000 },
        allow: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$' }, default: [] },
      },
      additionalProperties: false, default: {},
    },
    /** Requests per second per app (token bucket, burst = 2x); 0 turns the limit off. */
    rate_limit: { type: 'number', minimum: 0, default: 1000 },
    /** Seconds an app gets between a termination notification and being removed. */
    graceful_timeout: { type: 'integer', minimum: 0, maximum: 3600, default: 10 },
    dns: {
      type: 'object',
      properties: { hosts_file: { type: 'string', minLength: 1 }, dnsmasq_pidfile: { type: 'string', minLength: 1, default: '/run/dnsmasq/dnsmasq.pid' } },
      additionalProperties: false, default: {},
    },
    traffic: {
      type: 'object',
      properties: { nft_file: { type: 'string', minLength: 1 }, apply: { type: 'boolean', default: true } },
      additionalProperties: false, default: {},
    },
    /** Fields of its declared DNS/traffic rules an app may change, by app instance id, app name or `*`. */
    rule_changes: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: { enum: ['*', 'state', 'priority', 'filterType', 'trafficFilter', 'action', 'dstInterface', 'domainName', 'ipAddressType', 'ipAddress', 'ttl'] },
      },
      default: { '*': ['state'] },
    },
  },
  additionalProperties: false,
} as const;
export type Mp1Config = FromSchema<typeof mp1ConfigSchema>;

/** The base URL apps reach Mp1 at (MEC_MP1_ENDPOINT): public_url, or the bind address (loopback for a wildcard bind). */
export function mp1BaseUrl(c: Mp1Config): string {
  const host = c.bind === '0.0.0.0' || c.bind === '::' ? '127.0.0.1' : c.bind;
  return (c.public_url ?? `${c.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${c.port}`).replace(/\/+$/, '');
}
