import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StateFunction, StateModule } from './types.js';

export interface ArgError { field: string; message: string; /** a required argument is absent (Salt: "Missing parameter") */ missing?: boolean }

/** The state modules available to a run, with their argument validators (compiled on first use). */
export class StateRegistry {
  private readonly modules = new Map<string, StateModule>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor(modules: StateModule[]) {
    for (const m of modules) this.modules.set(m.name, m);
    this.ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  }

  moduleNames(): string[] { return [...this.modules.keys()].sort(); }
  hasModule(name: string): boolean { return this.modules.has(name); }
  functionNames(module: string): string[] { return Object.keys(this.modules.get(module)?.functions ?? {}).sort(); }

  get(module: string, fun: string): StateFunction | undefined {
    const fns = this.modules.get(module)?.functions;
    return fns && Object.prototype.hasOwnProperty.call(fns, fun) ? fns[fun] : undefined;
  }

  /**
   * The argument names a function takes, when its schema is closed (Salt passes a state
   * function only the arguments its signature takes); undefined when it takes any.
   */
  argNames(module: string, fun: string): ReadonlySet<string> | undefined {
    const schema = this.get(module, fun)?.schema;
    if (!schema || schema.additionalProperties !== false) return undefined;
    return new Set(Object.keys((schema.properties as object | undefined) ?? {}));
  }

  /** Validates (and fills defaults into) a copy of `args`. */
  validate(module: string, fun: string, args: Record<string, unknown>):
    { args: Record<string, unknown>; errors: ArgError[] } {
    const key = `${module}.${fun}`;
    let v = this.validators.get(key);
    if (!v) {
      const fn = this.get(module, fun);
      if (!fn) throw new Error(`no function ${key}`);
      v = this.ajv.compile(fn.schema);
      this.validators.set(key, v);
    }
    const copy = structuredClone(args);
    if (v(copy)) return { args: copy, errors: [] };
    const known = Object.keys((this.get(module, fun)!.schema.properties as object | undefined) ?? {});
    return { args: copy, errors: collapse(v.errors ?? []).map((e) => describe(e, known)) };
  }
}

/** For anyOf/oneOf failures ajv reports every branch; keep one message per field. */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject>();
  for (const e of errors) {
    const path = e.instancePath + (e.keyword === 'additionalProperties' ? `/${String(e.params.additionalProperty)}` : '');
    const prev = byPath.get(path);
    if (!prev || e.keyword === 'anyOf' || e.keyword === 'oneOf') byPath.set(path, e);
  }
  return [...byPath.values()];
}

function describe(e: ErrorObject, known: string[]): ArgError {
  const path = e.instancePath.split('/').slice(1);
  const field = path[0] ?? '';
  const at = path.length > 1 ? ` at ${path.slice(1).join('.')}` : '';
  switch (e.keyword) {
    case 'required':
      if (path.length > 0) return { field, message: `argument '${field}'${at} is missing '${String(e.params.missingProperty)}'` };
      return { field: String(e.params.missingProperty), message: `missing required argument '${String(e.params.missingProperty)}'`, missing: true };
    case 'additionalProperties':
      if (path.length === 0) {
        return { field: String(e.params.additionalProperty),
          message: `unknown argument '${String(e.params.additionalProperty)}' (accepted: ${known.join(', ') || 'none'})` };
      }
      return { field, message: `unknown key '${String(e.params.additionalProperty)}'${at}` };
    case 'anyOf':
    case 'oneOf':
      return { field, message: `argument '${field}'${at} has the wrong type or form` };
    case 'type':
      return { field, message: `argument '${field}'${at} must be ${String(e.params.type)}` };
    case 'enum':
      return { field, message: `argument '${field}'${at} must be one of ${(e.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}` };
    default:
      return { field, message: `argument '${field}'${at} ${e.message ?? 'is invalid'}` };
  }
}
