import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { parseYaml, schemaProblems } from '../lib/config.js';
import { UmecError } from '../lib/errors.js';

const fileName = { type: 'string', pattern: '^(?!manifest\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } as const;
const common = {
  format: { const: 1, default: 1 },
  compatible: { type: 'string', minLength: 1 },
  version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9.+~_-]{0,63}$' },
  description: { type: 'string' },
  /** Grains the box must have (value or list of accepted values). */
  grains: { type: 'object', additionalProperties: { anyOf: [{ type: ['string', 'number', 'boolean'] }, { type: 'array', items: { type: ['string', 'number', 'boolean'] } }] } },
} as const;

const slotName = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' } as const;

/** A manifest whose images are `image` (the one in a bundle, or the one `bundle create` reads). */
const manifestOf = <const I extends JSONSchema>(image: I) => ({
  type: 'object',
  properties: { ...common, images: { type: 'array', minItems: 1, items: image } },
  required: ['compatible', 'version', 'images'],
  additionalProperties: false,
}) as const;

/** The manifest inside a bundle (signed). */
export const manifestSchema = manifestOf({
  type: 'object',
  properties: { slot: slotName, file: fileName, size: { type: 'integer', minimum: 0 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
  required: ['slot', 'file', 'size', 'sha256'],
  additionalProperties: false,
});
export type Manifest = FromSchema<typeof manifestSchema>;
export type ManifestImage = Manifest['images'][number];

/** The manifest `bundle create` reads: image paths instead of sizes and hashes. */
export const sourceManifestSchema = manifestOf({
  type: 'object', properties: { slot: slotName, file: { type: 'string', minLength: 1 } }, required: ['slot', 'file'], additionalProperties: false,
});
export type SourceManifest = FromSchema<typeof sourceManifestSchema>;

/** Parses and validates a manifest; errors name `label`, the line and the field. */
export function parseManifest<T = Manifest>(text: string, label: string, schema: Record<string, unknown> = manifestSchema, bundle = label): T {
  const doc = parseYaml(text, label);
  if ('where' in doc) throw new UmecError('FW_BUNDLE', { bundle, reason: `${doc.where}: ${doc.reason}` });
  const data = doc.data;
  const problems = schemaProblems(data, schema, label, doc.lineOf);
  if (problems.length) throw new UmecError('FW_BUNDLE', { bundle, reason: `invalid manifest:\n  ${problems.join('\n  ')}` });
  const m = data as Manifest;
  if (Array.isArray(m.images)) {
    const seen = new Set<string>();
    for (const [i, img] of m.images.entries()) {
      const name = schema === manifestSchema ? img.file : img.slot;
      if (seen.has(name)) throw new UmecError('FW_BUNDLE', { bundle, reason: `${label}:${doc.lineOf(['images', String(i)]) ?? 0}: images.${i} ${schema === manifestSchema ? 'file' : 'slot'} ${name} appears twice` });
      seen.add(name);
    }
  }
  return data as T;
}

/** Whether the manifest fits this box; the reason when not. */
export function incompatibility(m: Manifest, box: { compatible: string; grains?: Record<string, unknown>; slotClasses: string[] }): string | undefined {
  if (m.compatible !== box.compatible) return `made for ${JSON.stringify(m.compatible)}, this box is ${JSON.stringify(box.compatible)}`;
  for (const [k, want] of Object.entries(m.grains ?? {})) {
    const have = box.grains?.[k];
    const ok = Array.isArray(want) ? want.some((w) => String(w) === String(have)) : String(want) === String(have);
    if (!ok) return `needs grain ${k}=${JSON.stringify(want)}, this box has ${have === undefined ? 'none' : JSON.stringify(have)}`;
  }
  for (const img of m.images) {
    if (!box.slotClasses.includes(img.slot)) return `image ${img.file} is for slot class ${img.slot}, this box has ${box.slotClasses.join(', ')}`;
  }
  return undefined;
}
