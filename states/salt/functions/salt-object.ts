/**
 * The `salt` object templates see: `salt['mod.fun'](...)` and `salt.mod.fun(...)`. A function
 * umec does not have raises NotProvided naming it when called ("salt function mine.get is not
 * provided"), never an undefined that fails later.
 */
import { JinjaError } from '../../jinja/errors.js';
import { PyFunction, PyObject, type Value } from '../../jinja/values.js';
import { boxFunctions } from './box-fns.js';
import { dataFunctions } from './data-fns.js';
import { fileserverFunctions } from './fileserver-fns.js';
import type { SaltDeps } from './deps.js';
import { mergeFunctions } from './merge-fns.js';

const missing = (name: string): PyFunction => new PyFunction(name, () => {
  throw new JinjaError('NotProvided', `salt function ${name} is not provided`);
});

/** `salt.file`: the functions of one module. */
class SaltModule extends PyObject {
  readonly typeName = 'LoadedModule';
  constructor(private readonly mod: string, private readonly fns: Map<string, PyFunction>) { super(); }
  override getattr(name: string): Value | undefined {
    return this.fns.get(`${this.mod}.${name}`) ?? missing(`${this.mod}.${name}`);
  }
  override str(): string { return `<salt module ${this.mod}>`; }
}

export class SaltFunctions extends PyObject {
  readonly typeName = 'LazyLoader';
  readonly fns: Map<string, PyFunction>;

  constructor(deps: SaltDeps) {
    super();
    this.fns = new Map(Object.entries({ ...dataFunctions(deps), ...mergeFunctions(deps), ...boxFunctions(deps), ...fileserverFunctions(deps) }));
  }

  override getitem(key: Value): Value | undefined {
    if (typeof key !== 'string') return undefined;
    return this.fns.get(key) ?? (key.includes('.') ? missing(key) : undefined);
  }

  override getattr(name: string): Value | undefined {
    return new SaltModule(name, this.fns);
  }

  /** `salt.keys()`-style listing is rare; iteration gives the function names. */
  override iter(): Iterable<Value> { return [...this.fns.keys()].sort(); }
  override str(): string { return '<salt functions>'; }
}
