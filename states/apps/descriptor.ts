import { LineCounter, parseDocument } from 'yaml';
import { lineOf, validateConfig } from '../../lib/config.js';
import { UmecError } from '../../lib/errors.js';
import { containerFields, parsePort, updateFields } from '../containers/spec.js';

const NAME = '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$';
const service = {
  type: 'object', required: ['ser_name'], additionalProperties: false,
  properties: {
    ser_name: { type: 'string', minLength: 1, maxLength: 128 },
    version: { type: 'string', minLength: 1 },
    /** provided: which container serves it, on which container port */
    container: { type: 'string', pattern: NAME },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    protocol: { type: 'string', minLength: 1 },
    /** required: the app still starts when the service is missing */
    optional: { type: 'boolean' },
  },
};

/** app.yaml: an app package's descriptor (a simplified ETSI/EdgeGallery AppD). */
export const appYamlSchema = {
  type: 'object',
  required: ['name', 'version', 'containers'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NAME },
    version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$' },
    description: { type: 'string' },
    provider: { type: 'string' },
    containers: {
      type: 'array', minItems: 1,
      items: {
        type: 'object', required: ['name', 'image'], additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: NAME },
          image: { type: 'string', minLength: 1, pattern: '^[^\\s]+$' },
          /** docker-archive tarball in the package; without it the image comes from a registry */
          image_file: { type: 'string', pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$)).+$' },
          ...containerFields,
        },
      },
    },
    required_services: { type: 'array', items: service, default: [] },
    provided_services: { type: 'array', items: service, default: [] },
    resources: {
      type: 'object', additionalProperties: false, default: {},
      properties: {
        memory: containerFields.memory, cpus: containerFields.cpus,
        disk: containerFields.memory,
      },
    },
    ...updateFields,
  },
} as const;

export interface AppContainer extends Record<string, unknown> { name: string; image: string; image_file?: string }
export interface AppService { ser_name: string; version?: string; container?: string; port?: number; optional?: boolean }

export interface AppDescriptor {
  name: string;
  version: string;
  description?: string;
  containers: AppContainer[];
  required_services: AppService[];
  provided_services: AppService[];
  resources: { memory?: string | number; cpus?: number; disk?: string | number };
  update_strategy: string;
  grace_period: number;
  stop_timeout: number;
}

/** Parses and validates app.yaml; every problem is reported as `file:line: field reason`. */
export function parseAppYaml(text: string, file: string): AppDescriptor {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new UmecError('APP_PACKAGE', { file: `${file}:${e.linePos?.[0].line ?? 0}`, reason: e.message.split('\n')[0] });
  }
  const data = doc.toJS() as unknown;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UmecError('APP_PACKAGE', { file, reason: 'app.yaml must be a mapping' });
  let d: AppDescriptor;
  try {
    d = validateConfig<AppDescriptor>(data as Record<string, unknown>, appYamlSchema, file, (p) => lineOf(doc, lc, p));
  } catch (e) {
    if (e instanceof UmecError) throw new UmecError('APP_PACKAGE', { file, reason: String(e.details.reason).replace(/^invalid configuration/, 'invalid app.yaml') });
    throw e;
  }
  const problems: string[] = [];
  const at = (path: string[]) => `${file}:${lineOf(doc, lc, path) ?? 0}`;
  const seen = new Set<string>();
  d.containers.forEach((c, i) => {
    if (seen.has(c.name)) problems.push(`${at(['containers', String(i), 'name'])}: containers.${i}.name ${c.name} is used twice`);
    seen.add(c.name);
    ((c.ports ?? []) as Parameters<typeof parsePort>[0][]).forEach((p, j) => {
      try { parsePort(p); } catch (e) { problems.push(`${at(['containers', String(i), 'ports', String(j)])}: containers.${i}.ports.${j} ${(e as Error).message}`); }
    });
  });
  d.provided_services.forEach((s, i) => {
    if (s.container && !seen.has(s.container)) problems.push(`${at(['provided_services', String(i), 'container'])}: provided_services.${i}.container names no container of this app`);
  });
  if (problems.length) throw new UmecError('APP_PACKAGE', { file, reason: `invalid app.yaml:\n  ${problems.join('\n  ')}` });
  return d;
}
