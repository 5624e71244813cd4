import { UmecError } from '../../lib/errors.js';
import type { UpdateStrategy } from './plan.js';
import type { ContainerSpec, HealthSpec, PortBinding, RestartPolicy, VolumeMount } from './runtime.js';

const scalar = { type: ['string', 'number', 'boolean'] };
const size = { anyOf: [{ type: 'integer', minimum: 4194304 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*([kKmMgG][iI]?[bB]?|[bB])?$' }] };
export const PORT_PATTERN = '^((\\d{1,3}\\.){3}\\d{1,3}:|\\[[0-9a-fA-F:]+\\]:)?\\d{1,5}:\\d{1,5}(/(tcp|udp))?$';

/** The container settings a `container.running` state and an app.yaml container share. */
export const containerFields = {
  command: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  entrypoint: { type: 'array', items: { type: 'string' } },
  env: { type: 'object', additionalProperties: scalar, propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, default: {} },
  ports: {
    type: 'array', default: [],
    items: {
      anyOf: [
        { type: 'string', pattern: PORT_PATTERN },
        {
          type: 'object', required: ['host_port', 'container_port'], additionalProperties: false,
          properties: {
            host_port: { type: 'integer', minimum: 1, maximum: 65535 }, container_port: { type: 'integer', minimum: 1, maximum: 65535 },
            protocol: { enum: ['tcp', 'udp'], default: 'tcp' }, host_ip: { type: 'string', default: '' },
          },
        },
      ],
    },
  },
  volumes: { type: 'array', default: [], items: { type: 'string', pattern: '^[^:]+:/[^:]*(:(ro|rw))?$' } },
  restart: { enum: ['no', 'always', 'unless-stopped', 'on-failure'], default: 'unless-stopped' },
  memory: size,
  cpus: { type: 'number', exclusiveMinimum: 0, maximum: 1024 },
  labels: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
  network_mode: { type: 'string', minLength: 1 },
  healthcheck: {
    type: 'object', required: ['test'], additionalProperties: false,
    properties: {
      test: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
      interval: { type: 'number', exclusiveMinimum: 0, default: 10 },
      timeout: { type: 'number', exclusiveMinimum: 0, default: 5 },
      retries: { type: 'integer', minimum: 1, default: 3 },
      start_period: { type: 'number', minimum: 0, default: 0 },
    },
  },
  user: { type: 'string', minLength: 1 },
  read_only: { type: 'boolean', default: false },
  cap_add: { type: 'array', items: { type: 'string', pattern: '^(CAP_)?[A-Z_]+$' }, default: [] },
} as const;

/** How a running container is replaced by a new one. */
export const updateFields = {
  update_strategy: { enum: ['download-then-kill', 'kill-then-download'], default: 'download-then-kill' },
  grace_period: { type: 'number', minimum: 0, default: 30 },
  stop_timeout: { type: 'integer', minimum: 0, default: 10 },
} as const;

export interface UpdateSettings { strategy: UpdateStrategy; grace: number; stopTimeout: number }

export function updateSettings(a: Record<string, unknown>): UpdateSettings {
  return {
    strategy: (a.update_strategy as UpdateStrategy | undefined) ?? 'download-then-kill',
    grace: Number(a.grace_period ?? 30), stopTimeout: Number(a.stop_timeout ?? 10),
  };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** 64m, 256Mi, 1G, 1.5g, or bytes. */
export function parseSize(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgb]?)/i.exec(v.trim());
  if (!m) throw new UmecError('ARG_INVALID', { reason: `bad size ${JSON.stringify(v)}` });
  return Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export function parsePort(p: string | { host_port: number; container_port: number; protocol?: string; host_ip?: string }): PortBinding {
  if (typeof p !== 'string') {
    return { hostIp: p.host_ip ?? '', hostPort: p.host_port, containerPort: p.container_port, protocol: (p.protocol ?? 'tcp') as 'tcp' | 'udp' };
  }
  const [main, proto] = p.split('/');
  const parts = main.startsWith('[') ? [main.slice(1, main.indexOf(']')), ...main.slice(main.indexOf(']') + 2).split(':')] : main.split(':');
  const [ip, host, ctr] = parts.length === 3 ? parts : ['', ...parts];
  const hostPort = Number(host);
  const containerPort = Number(ctr);
  if (!(hostPort >= 1 && hostPort <= 65535 && containerPort >= 1 && containerPort <= 65535)) {
    throw new UmecError('ARG_INVALID', { reason: `bad port mapping ${JSON.stringify(p)} (ports are 1-65535)` });
  }
  return { hostIp: ip, hostPort, containerPort, protocol: (proto ?? 'tcp') as 'tcp' | 'udp' };
}

function parseVolume(v: string): VolumeMount {
  const [source, target, mode] = v.split(':');
  return { source: source, target: target, readOnly: mode === 'ro' };
}

function healthSpec(h: Record<string, unknown> | undefined): HealthSpec | undefined {
  if (!h) return undefined;
  const t = h.test as string | string[];
  return {
    test: typeof t === 'string' ? ['CMD-SHELL', t] : t[0] === 'CMD' || t[0] === 'CMD-SHELL' ? t : ['CMD', ...t],
    interval: Number(h.interval ?? 10), timeout: Number(h.timeout ?? 5), retries: Number(h.retries ?? 3), start_period: Number(h.start_period ?? 0),
  };
}

/** A ContainerSpec from validated container fields (a state's arguments or an app.yaml container). */
export function toSpec(name: string, image: string, a: Record<string, unknown>, extra: { env?: Record<string, string>; labels?: Record<string, string> } = {}): ContainerSpec {
  const cmd = a.command as string | string[] | undefined;
  const env = Object.fromEntries(Object.entries((a.env ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  return {
    name, image,
    command: typeof cmd === 'string' ? ['/bin/sh', '-c', cmd] : cmd,
    entrypoint: a.entrypoint as string[] | undefined,
    env: { ...env, ...extra.env },
    ports: ((a.ports ?? []) as Parameters<typeof parsePort>[0][]).map(parsePort),
    volumes: ((a.volumes ?? []) as string[]).map(parseVolume),
    restart: (a.restart ?? 'unless-stopped') as RestartPolicy,
    memory: a.memory === undefined ? undefined : parseSize(a.memory as string | number),
    cpus: a.cpus as number | undefined,
    labels: { ...(a.labels ?? {}) as Record<string, string>, ...extra.labels },
    network_mode: a.network_mode as string | undefined,
    healthcheck: healthSpec(a.healthcheck as Record<string, unknown> | undefined),
    user: a.user as string | undefined,
    read_only: a.read_only === true,
    cap_add: ((a.cap_add ?? []) as string[]).map((c) => c.replace(/^CAP_/, '')),
  };
}
