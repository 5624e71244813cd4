/**
 * Run-time objects the templates see: `loop`, macros (and `caller`), imported template
 * modules, `self` — Jinja2's jinja2/runtime.py counterparts.
 */
import { JinjaError, typeError } from './errors.js';
import { pyEq } from './py/ops.js';
import { PyFunction, PyObject, Tuple, Undefined, type Kwargs, type Value } from './values.js';

/** Jinja2's object_type_repr for its own runtime classes, as its messages print them. */
export const noAttribute = (cls: string, name: string): Undefined =>
  new Undefined(name, `'${cls} object' has no attribute '${name}'`);

/** Jinja2's LoopContext. */
export class LoopContext extends PyObject {
  readonly typeName = 'LoopContext';
  index0 = -1;
  private lastChanged: Value[] | undefined;
  constructor(
    private readonly items: Value[],
    readonly depth0: number,
    private readonly recurse: ((iterable: Value, depth0: number) => string) | null,
  ) { super(); }

  get length(): number { return this.items.length; }

  override getattr(name: string): Value | undefined {
    const i = this.index0;
    const n = this.items.length;
    switch (name) {
      case 'index0': return i;
      case 'index': return i + 1;
      case 'revindex': return n - i;
      case 'revindex0': return n - i - 1;
      case 'first': return i === 0;
      case 'last': return i === n - 1;
      case 'length': return n;
      case 'depth0': return this.depth0;
      case 'depth': return this.depth0 + 1;
      case 'previtem': return i > 0 ? this.items[i - 1]! : new Undefined(undefined, 'there is no previous item');
      case 'nextitem': return i + 1 < n ? this.items[i + 1]! : new Undefined(undefined, 'there is no next item');
      case 'cycle': return new PyFunction('cycle', (args) => {
        if (!args.length) throw typeError('no items for cycling given');
        return args[this.index0 % args.length]!;
      });
      case 'changed': return new PyFunction('changed', (args) => {
        const last = this.lastChanged;
        if (last === undefined || last.length !== args.length || !args.every((a, k) => pyEq(a, last[k]))) {
          this.lastChanged = args;
          return true;
        }
        return false;
      });
    }
    return undefined;
  }

  /** `loop(iterable)` inside a recursive loop. */
  call(args: Value[], kwargs: Kwargs): Value {
    if (!this.recurse) throw typeError("The loop must have the 'recursive' marker to be called recursively.");
    if (args.length !== 1 || kwargs.size) throw typeError(`__call__() takes 2 positional arguments but ${args.length + 1} were given`);
    return this.recurse(args[0], this.depth0 + 1);
  }

  override str(): string { return `<LoopContext ${this.index0 + 1}/${this.items.length}>`; }
}

export type MacroInvoke = (args: Value[], kwargs: Kwargs, self: Macro) => Value;

/** A `{% macro %}` or the `caller` of a call block: callable (ops.call's `call` hook). */
export class Macro extends PyObject {
  readonly typeName = 'Macro';
  constructor(
    readonly name: string,
    readonly argNames: string[],
    readonly catchKwargs: boolean,
    readonly catchVarargs: boolean,
    readonly usesCaller: boolean,
    private readonly invoke: MacroInvoke,
  ) {
    super();
  }

  call(args: Value[], kwargs: Kwargs): Value { return this.invoke(args, kwargs, this); }

  override getattr(name: string): Value | undefined {
    switch (name) {
      case 'name': return this.name;
      case 'arguments': return Tuple.make(this.argNames);
      case 'catch_kwargs': return this.catchKwargs;
      case 'catch_varargs': return this.catchVarargs;
      case 'caller': return this.usesCaller;
    }
    return undefined;
  }

  attr(name: string): Value { return this.getattr(name) ?? noAttribute('jinja2.runtime.Macro', name); }

  override str(): string { return `<Macro '${this.name}'>`; }
}

/** What `{% import %}` binds: the template's exported names; str() is its output. */
export class TemplateModule extends PyObject {
  readonly typeName = 'TemplateModule';
  constructor(readonly templateName: string | undefined, readonly exported: Map<string, Value>, readonly body: string) { super(); }
  override getattr(name: string): Value | undefined { return this.exported.get(name); }
  override str(): string { return this.body; }
}

/** `self` in a template: its blocks, callable by name. */
export class TemplateReference extends PyObject {
  readonly typeName = 'TemplateReference';
  constructor(
    private readonly hasBlock: (name: string) => boolean,
    private readonly renderBlock: (name: string) => string,
    private readonly tplName: string | undefined,
  ) { super(); }
  override getattr(name: string): Value | undefined {
    if (!this.hasBlock(name)) return undefined;
    return new PyFunction(name, () => this.renderBlock(name));
  }
  override str(): string { return `<TemplateReference ${this.tplName === undefined ? 'None' : `'${this.tplName}'`}>`; }
}

export const runtimeError = (msg: string): JinjaError => new JinjaError('TemplateRuntimeError', msg);
