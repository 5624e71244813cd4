import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UmecError } from './errors.js';

/** Deep-freezes a validated config so nothing can change it at run time. */
function freeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) freeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Line of the deepest node on `path` (mapping keys and sequence indexes) that exists. */
export function lineOf(doc: Document, lc: LineCounter, path: string[]): number | undefined {
  let node = doc.contents;
  let line: number | undefined = node?.range ? lc.linePos(node.range[0]).line : undefined;
  for (const key of path) {
    if (isSeq(node)) {
      const item = node.items[Number(key)] as Node | undefined;
      if (!item) break;
      if (item.range) line = lc.linePos(item.range[0]).line;
      node = item;
      continue;
    }
    if (!isMap(node)) break;
    const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value) === key);
    if (!pair) break;
    const k = pair.key as Node;
    if (k.range) line = lc.linePos(k.range[0]).line;
    node = pair.value as Node | null;
  }
  return line;
}

function describe(e: ErrorObject): { path: string[]; reason: string } {
  const path = e.instancePath.split('/').slice(1);
  if (e.keyword === 'additionalProperties') {
    return { path: [...path, String(e.params.additionalProperty)], reason: 'unknown key' };
  }
  if (e.keyword === 'required') return { path: [...path, String(e.params.missingProperty)], reason: 'is required' };
  if (e.keyword === 'enum') return { path, reason: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
  return { path, reason: e.message ?? 'is invalid' };
}

/** A parsed YAML document: its data, and the line of a path in it. */
export interface YamlDoc {
  data: unknown;
  lineOf: (path: string[]) => number | undefined;
}

/** Parses YAML text; a syntax error comes back as where (`label:line`) and why, for the caller's error code. */
export function parseYaml(text: string, label: string): YamlDoc | { where: string; reason: string } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return { where: `${label}:${e.linePos?.[0].line ?? 0}`, reason: e.message.split('\n')[0] };
  }
  return { data: doc.toJS() as unknown, lineOf: (path) => lineOf(doc, lc, path) };
}

const validators = new WeakMap<object, ValidateFunction>();

/**
 * Validates `data` against `schema` (filling in the schema's defaults, in place);
 * each problem as `label:line: field reason`, none when it is valid.
 */
export function schemaProblems(data: unknown, schema: Record<string, unknown>, label: string,
  lineOfPath: (path: string[]) => number | undefined = () => undefined): string[] {
  let validate = validators.get(schema);
  if (!validate) {
    validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(schema);
    validators.set(schema, validate);
  }
  if (validate(data)) return [];
  // an anyOf failure is told through the errors of its branches
  const lines = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf').map((e) => {
    const { path, reason } = describe(e);
    const line = lineOfPath(path);
    return `${label}${line ? `:${line}` : ''}: ${path.join('.') || '(top)'} ${reason}`;
  });
  return [...new Set(lines)];
}

/**
 * Loads a YAML config file, validates it once against `schema` (defaults live in
 * the schema) and returns it frozen. Errors name the file, line and field.
 */
export async function loadConfig<T>(file: string, schema: Record<string, unknown>, overrides: Record<string, unknown> = {}): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UmecError('CONFIG', { file, reason: `cannot read: ${(e as Error).message}` });
  }
  const doc = parseYaml(text, file);
  if ('where' in doc) throw new UmecError('CONFIG', { file: doc.where, reason: doc.reason });
  const data = doc.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UmecError('CONFIG', { file, reason: 'must be a mapping of settings' });
  return validateConfig<T>({ ...data, ...overrides }, schema, file, doc.lineOf);
}

export function validateConfig<T>(data: Record<string, unknown>, schema: Record<string, unknown>, file: string,
  lineOfPath: (path: string[]) => number | undefined = () => undefined): T {
  const copy = structuredClone(data);
  const problems = schemaProblems(copy, schema, file, lineOfPath);
  if (problems.length) throw new UmecError('CONFIG', { file, reason: `invalid configuration:\n  ${problems.join('\n  ')}` });
  return freeze(copy as T);
}
