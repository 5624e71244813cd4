/**
 * Salt's serializer modules as file.serialize calls them (salt/serializers/{yaml,json}.py):
 * the same text PyYAML's dump and Python's json.dumps give with the options Salt passes.
 */
import { PyFloat, type Value } from '../jinja/values.js';
import { jsonDumps } from '../jinja/py/json.js';
import { safeDump } from './yaml-dump.js';

export type SerializerOptions = Record<string, unknown>;

/** Thrown for an option the serializer here does not take (named in the message). */
export class SerializerOptionError extends Error {}

const optBool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(v));

/**
 * salt.serializers.yaml.serialize: yaml.dump with Salt's SafeDumper (OrderedDict written as a
 * sorted dict, allow_unicode off unless asked), default_flow_style None unless given, the final
 * "\n" (or "\n...\n" of a lone scalar) cut.
 */
export function serializeYaml(obj: Value, options: SerializerOptions = {}): string {
  const known = new Set(['default_flow_style', 'width', 'allow_unicode', 'sort_keys', 'Dumper']);
  const bad = Object.keys(options).filter((k) => !known.has(k));
  if (bad.length) throw new SerializerOptionError(`yaml serializer option ${bad.join(', ')} is not supported (supported: default_flow_style, width, allow_unicode)`);
  if (options.sort_keys === false) throw new SerializerOptionError('yaml serializer option sort_keys: False is not supported (Salt sorts mapping keys)');
  const text = safeDump(obj, {
    flowStyle: 'default_flow_style' in options ? optBool(options.default_flow_style) : null,
    width: typeof options.width === 'number' ? options.width : undefined,
    allowUnicode: Boolean(options.allow_unicode),
    sortOrdered: true,
  });
  if (text.endsWith('\n...\n')) return text.slice(0, -5);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** salt.serializers.json.serialize: salt.utils.json.dumps, which turns ensure_ascii off unless given. */
export function serializeJson(obj: Value, options: SerializerOptions = {}): string {
  const known = new Set(['indent', 'separators', 'sort_keys', 'ensure_ascii']);
  const bad = Object.keys(options).filter((k) => !known.has(k));
  if (bad.length) throw new SerializerOptionError(`json serializer option ${bad.join(', ')} is not supported (supported: indent, separators, sort_keys, ensure_ascii)`);
  const sep = options.separators;
  if (sep !== undefined && sep !== null && !(Array.isArray(sep) && sep.length === 2 && sep.every((s) => typeof s === 'string'))) {
    throw new SerializerOptionError('json serializer option separators must be a pair of strings');
  }
  const indent = options.indent instanceof PyFloat ? options.indent.value : options.indent;
  return jsonDumps(obj, {
    indent: indent === undefined ? null : indent as number | string | null,
    separators: Array.isArray(sep) ? [sep[0], sep[1]] : undefined,
    sortKeys: Boolean(options.sort_keys),
    ensureAscii: Boolean(options.ensure_ascii ?? false),
  });
}

/** The serializers file.serialize can use, by Salt's name. */
export const SERIALIZERS: Record<string, (obj: Value, o: SerializerOptions) => string> = {
  yaml: serializeYaml,
  json: serializeJson,
};
