import { Ajv, type ErrorObject } from 'ajv';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/**
 * Protocol messages are validated against their JSON schemas where they enter
 * a process (the control socket, the agent wire). A problem names the field by
 * its dotted path; a schema node's `description` says what the field must be.
 */
export type Validator = (data: unknown) => string[] | undefined;

function problemOf(e: ErrorObject, prefix: string): string {
  const path = [prefix, ...e.instancePath.split('/').slice(1)].filter(Boolean);
  const at = (p: string[]) => p.join('.') || '(top)';
  if (e.keyword === 'additionalProperties') return `${at([...path, String(e.params.additionalProperty)])} is not a known field`;
  if (e.keyword === 'required') return `${at([...path, String(e.params.missingProperty)])} is required`;
  const described = (e.parentSchema as { description?: unknown } | undefined)?.description;
  const got = ` (got ${JSON.stringify(e.data)?.slice(0, 80) ?? 'nothing'})`;
  if (typeof described === 'string') return `${at(path)} must be ${described}${got}`;
  if (e.keyword === 'enum') return `${at(path)} must be one of ${(e.params.allowedValues as unknown[]).join(', ')}${got}`;
  return `${at(path)} ${e.message ?? 'is invalid'}${got}`;
}

/**
 * Compiles `schema` once. The returned function fills defaults into `data`
 * (in place) and returns the problems, or undefined when it is valid.
 */
export function compileValidator(schema: object, prefix = '', ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true })): Validator {
  const validate = ajv.compile(schema);
  return (data) => {
    if (validate(data)) return undefined;
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
    // an anyOf that says what it wants speaks for its branches at that field
    const said = new Set(errors.filter((e) => e.keyword === 'anyOf' && typeof (e.parentSchema as { description?: unknown } | undefined)?.description === 'string').map((e) => e.instancePath));
    return [...new Set(errors.filter((e) => e.keyword === 'anyOf' || !said.has(e.instancePath)).map((e) => problemOf(e, prefix)))];
  };
}

/** A checked value, typed by its schema, or the problems that kept it out. */
export type Checked<T> = { value: T; problems?: undefined } | { value?: undefined; problems: string[] };

/**
 * Like compileValidator, typed: the value comes back as the type derived from
 * `schema` (json-schema-to-ts), the one place where unknown input becomes typed.
 */
export function compileChecker<const S extends JSONSchema, T = FromSchema<S>>(schema: S, prefix = ''): (data: unknown) => Checked<T> {
  const problems = compileValidator(schema as object, prefix);
  return (data) => {
    const p = problems(data);
    return p ? { problems: p } : { value: data as T };
  };
}
