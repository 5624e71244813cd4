import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { baseMessage, type RedfishMessage } from './messages.js';

/** One ajv for request bodies: no coercion, no removal of unknown properties, every error. */
const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, removeAdditional: false, useDefaults: false });

export type BodySchema = Record<string, unknown>;

export function compileBody(schema: BodySchema): ValidateFunction {
  return ajv.compile(schema);
}

function valueAt(body: unknown, pointer: string): unknown {
  let v = body;
  for (const k of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')];
  return v;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'null');

export interface BodyContext {
  /** `ComputerSystem.Reset` for action bodies: messages are the ActionParameter* ones. */
  action?: string;
  /** Properties the resource has but a client cannot set: PropertyNotWritable instead of PropertyUnknown. */
  readonly?: Set<string>;
  /** POST that creates a resource: a missing property is CreateFailedMissingReqProperties. */
  create?: boolean;
}

/** ajv errors → Base registry messages, one per problem, each naming the property (RelatedProperties). */
export function bodyMessages(errors: ErrorObject[], body: unknown, ctx: BodyContext): RedfishMessage[] {
  const out: RedfishMessage[] = [];
  const seen = new Set<string>();
  // a value of the wrong type is reported as that, not also as out of list or range
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') continue;
    if (e.keyword !== 'type' && wrongType.has(e.instancePath)) continue;
    const name = e.instancePath.slice(1).replace(/\//g, '.');
    // a rejected password is still a password: never echoed back
    const value = /password/i.test(name) ? '(hidden)' : valueAt(body, e.instancePath);
    let m: RedfishMessage;
    switch (e.keyword) {
      case 'additionalProperties': {
        const p = [name, String(e.params.additionalProperty)].filter(Boolean).join('.');
        const related = [`#/${p.replace(/\./g, '/')}`];
        m = ctx.action ? baseMessage('ActionParameterUnknown', [ctx.action, p], related)
          : ctx.readonly?.has(p) ? baseMessage('PropertyNotWritable', [p], related) : baseMessage('PropertyUnknown', [p], related);
        break;
      }
      case 'required': {
        const p = [name, String(e.params.missingProperty)].filter(Boolean).join('.');
        const related = [`#/${p.replace(/\./g, '/')}`];
        m = ctx.action ? baseMessage('ActionParameterMissing', [ctx.action, p], related)
          : ctx.create ? baseMessage('CreateFailedMissingReqProperties', [p], related) : baseMessage('PropertyMissing', [p], related);
        break;
      }
      case 'type':
        if (!name) { m = baseMessage('MalformedJSON'); break; }
        m = ctx.action ? baseMessage('ActionParameterValueTypeError', [show(value), name, ctx.action], [`#${e.instancePath}`])
          : baseMessage('PropertyValueTypeError', [show(value), name], [`#${e.instancePath}`]);
        break;
      case 'enum':
      case 'const':
        m = ctx.action ? baseMessage('ActionParameterValueNotInList', [show(value), name, ctx.action], [`#${e.instancePath}`])
          : baseMessage('PropertyValueNotInList', [show(value), name], [`#${e.instancePath}`]);
        break;
      case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
        m = baseMessage('PropertyValueOutOfRange', [show(value), name], [`#${e.instancePath}`]);
        break;
      case 'minProperties':
        m = baseMessage('EmptyJSON');
        break;
      default:
        m = ctx.action ? baseMessage('ActionParameterValueFormatError', [show(value), name, ctx.action], [`#${e.instancePath}`])
          : baseMessage('PropertyValueFormatError', [show(value), name], [`#${e.instancePath}`]);
    }
    const key = m.MessageId + m.MessageArgs.join('\u0000');
    if (!seen.has(key)) { seen.add(key); out.push(m); }
  }
  return out;
}
