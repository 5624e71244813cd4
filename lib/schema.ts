import { Ajv, type ErrorObject } from 'ajv';

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
    return [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => problemOf(e, prefix)))];
  };
}
