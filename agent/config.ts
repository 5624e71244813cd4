import { hostname } from 'node:os';
import type { FromSchema } from 'json-schema-to-ts';
import { dirname } from 'node:path';
import { firmwareSettings, firmwareSettingsSchema, type FirmwareSettings } from '../firmware/config.js';
import { powerSettingsSchema } from '../firmware/power.js';
import { loadConfig } from '../lib/config.js';
import { UmecError } from '../lib/errors.js';
import { agentScheduleSchema } from '../lib/schedule-schema.js';
import { bootstrapSettingsSchema } from './commission/settings.js';
import { mp1ConfigSchema } from './mp1/config.js';
import { redfishConfigSchema } from './redfish/config.js';

const schemaWithoutFirmware = {
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$', default: hostname() },
    /** host:port of the master's return port (or a list to fail over). */
    master: {
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }],
    },
    /** The master's CURVE public key (Z85), as `umec key master` prints it. */
    master_pubkey: { type: 'string', pattern: '^[0-9a-zA-Z.\\-:+=^!/*?&<>()\\[\\]{}@%$#]{40}$' },
    data_dir: { type: 'string', minLength: 1, default: '/var/lib/umec/agent' },
    grains: { type: 'object', default: {} },
    log_level: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], default: 'info' },
    /** Seconds between key requests while the key is pending. */
    acceptance_wait_time: { type: 'number', exclusiveMinimum: 0, default: 10 },
    /** Longest pause between reconnect attempts, seconds. */
    reconnect_max: { type: 'number', exclusiveMinimum: 0, default: 30 },
    /** Seconds to wait for the master to answer a request (file and pillar transfers get 3x). */
    request_timeout: { type: 'number', exclusiveMinimum: 0, default: 10 },
    /** Largest message (bytes) taken from the master; a bigger one cuts the connection. */
    max_message_size: { type: 'integer', minimum: 65_536, maximum: 4_294_967_296, default: 1_073_741_824 },
    /** Largest job return (bytes of JSON) sent to the master; a bigger one is replaced by an error saying so. */
    max_return_size: { type: 'integer', minimum: 1024, maximum: 4_294_967_296, default: 16_777_216 },
    /** Most states one job may run (after name lists expand); a bigger run is refused before it starts. */
    max_states: { type: 'integer', minimum: 1, default: 250_000 },
    /** Largest SLS file after rendering, bytes. */
    max_sls_bytes: { type: 'integer', minimum: 1024, default: 32 * 1024 * 1024 },
    /** Container runtime (Docker Engine API socket: Docker or `podman system service`) and the Mp1 endpoint apps are given. */
    containers: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        socket: { type: 'string', minLength: 1, default: '/run/podman/podman.sock' },
        mp1_endpoint: { type: 'string', pattern: '^https?://', default: 'https://127.0.0.1:8081' },
      },
    },
    /** How the box is reset (firmware reboots, Redfish ComputerSystem.Reset). */
    power: powerSettingsSchema,
    /** First-boot commissioning: where the bootstrap settings are and how to retry. */
    bootstrap: bootstrapSettingsSchema,
    /** Box-local jobs (name → cron, function, args, splay); results go to the master's job cache. */
    schedule: agentScheduleSchema,
    /** ETSI MEC 011 server for the box's apps; absent = off. */
    mp1: mp1ConfigSchema,
    /** Redfish service (agent/redfish); absent → not served. */
    redfish: redfishConfigSchema,
  },
  // master and master_pubkey may come from the bootstrap file or UMEC_MASTER / UMEC_MASTER_PUBKEY instead (agent/commission/bootstrap.ts)
  required: [],
  additionalProperties: false,
} as const;

/** agent.yaml's schema; defaults live here. */
export const agentConfigSchema = {
  ...schemaWithoutFirmware,
  /** A/B firmware updates (slots, boot env, keyring, health checks); absent: this box takes no firmware updates. */
  properties: { ...schemaWithoutFirmware.properties, firmware: firmwareSettingsSchema },
};

/** agent.yaml as validated (defaults filled in). */
type AgentYaml = FromSchema<typeof schemaWithoutFirmware>;

/**
 * The agent's settings: agent.yaml with the master list made a list and the firmware section
 * resolved (firmware/config.ts); master and master_pubkey filled in by bootstrap when agent.yaml lacks them.
 */
export type AgentConfig = Omit<AgentYaml, 'master' | 'master_pubkey'> & { master: string[]; master_pubkey: string; firmware?: FirmwareSettings };

/** `host`, `host:port` or `[v6]:port`, default port 4506 (the master's return port). */
export function masterEndpoint(s: string): string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new UmecError('USAGE', { reason: `bad master address ${s}: give host, host:port or [v6]:port` });
  return `tcp://${s.startsWith('[') ? `[${m[1]}]` : m[1]}:${m[2] ?? '4506'}`;
}

export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  const { firmware, ...c } = await loadConfig<AgentYaml & { firmware?: unknown }>(file, agentConfigSchema);
  const fw = firmware ? { firmware: firmwareSettings(firmware, { dataDir: c.data_dir, baseDir: dirname(file) }) } : {};
  // without master/master_pubkey here, bootstrap (agent/commission/bootstrap.ts) fills them in before they are used
  return Object.freeze({ ...c, ...fw, master_pubkey: c.master_pubkey!, master: Object.freeze(Array.isArray(c.master) ? [...c.master] : [c.master!]) as string[] });
}
