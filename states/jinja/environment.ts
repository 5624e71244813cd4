/**
 * Environment and Template: the engine's public entry points. An Environment holds the
 * filters, tests, globals, loader and options (Salt's: StrictUndefined, autoescape off,
 * do + loopcontrols); templates are parsed and compiled once per (name, filename, source).
 */
import type { EvalEnv, FilterFn, TemplateLoader, TestFn } from './api.js';
import { JinjaError, notProvided } from './errors.js';
import { compileTemplate, newContext, CTX, type CompiledTemplate, type Host, type Scope, type Session } from './compiler.js';
import { tokenize } from './lexer.js';
import { parse } from './parser.js';
import { builtinFilters } from './builtins/filters.js';
import { builtinGlobals } from './builtins/globals.js';
import { builtinTests } from './builtins/tests.js';
import { toPy, type Kwargs, type Value } from './values.js';

export interface EnvironmentOptions {
  /** For import/from/include/extends/import_yaml. */
  loader?: TemplateLoader;
  /** StrictUndefined (Salt's, the default) or Jinja2's lenient Undefined. */
  strictUndefined?: boolean;
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  keepTrailingNewline?: boolean;
  /** Added on top of the builtins. */
  filters?: Record<string, FilterFn>;
  tests?: Record<string, TestFn>;
  /** Visible in every template, imported ones too (Salt puts its context here). */
  globals?: Record<string, Value>;
  /** 'yaml' | 'json' | 'text' for import_* / load_*. */
  dataParsers?: Record<string, (text: string, filename: string) => Value>;
}

export class Environment implements EvalEnv, Host {
  readonly filters = new Map<string, FilterFn>();
  readonly tests = new Map<string, TestFn>();
  readonly globals = new Map<string, Value>();
  readonly strictUndefined: boolean;
  private readonly compiled = new Map<string, CompiledTemplate>();

  constructor(private readonly o: EnvironmentOptions = {}) {
    this.strictUndefined = o.strictUndefined ?? true;
    for (const [k, f] of Object.entries(builtinFilters)) this.filters.set(k, f);
    for (const [k, f] of Object.entries(builtinTests)) this.tests.set(k, f);
    for (const [k, v] of Object.entries(builtinGlobals({ strictUndefined: this.strictUndefined }))) this.globals.set(k, v);
    for (const [k, f] of Object.entries(o.filters ?? {})) this.filters.set(k, f);
    for (const [k, f] of Object.entries(o.tests ?? {})) this.tests.set(k, f);
    for (const [k, v] of Object.entries(o.globals ?? {})) this.globals.set(k, v);
  }

  get evalEnv(): EvalEnv { return this; }

  /** A template from source; `filename` names it in errors. Parsed once per source. */
  fromString(source: string, filename?: string): Template {
    return new Template(this, this.compile(source, undefined, filename));
  }

  /** A template through the loader (cached by source). */
  getTemplate(name: string): Template {
    return new Template(this, this.load(name, undefined));
  }

  callFilter(name: string, value: Value, args: Value[], kwargs: Kwargs): Value {
    const f = this.filters.get(name);
    if (!f) throw new JinjaError('TemplateRuntimeError', `No filter named '${name}'.`);
    return f(this, value, args, kwargs);
  }

  callTest(name: string, value: Value, args: Value[], kwargs: Kwargs): boolean {
    const t = this.tests.get(name);
    if (!t) throw new JinjaError('TemplateRuntimeError', `No test named '${name}'.`);
    return t(this, value, args, kwargs);
  }

  hasFilter(name: string): boolean { return this.filters.has(name); }
  hasTest(name: string): boolean { return this.tests.has(name); }

  loadTemplate(name: string, parent: string | undefined, session: Session): CompiledTemplate {
    let t = session.templates.get(name);
    if (!t) {
      const src = this.o.loader?.getSource(name, parent);
      if (!src) throw new JinjaError('TemplateNotFound', name);
      t = this.compile(src.source, name, src.filename);
      // a loader may set globals as it loads (Salt's SaltCacheLoader sets tpldir/tplfile for the rest of the render)
      if (src.globals) Object.assign(session.globals, src.globals);
      session.templates.set(name, t);
    }
    return t;
  }

  parseData(kind: string, text: string, filename: string | undefined): Value {
    const p = this.o.dataParsers?.[kind];
    if (p) return p(text, filename ?? '<template>');
    if (kind === 'text') return text;
    if (kind === 'json') {
      try {
        return toPy(JSON.parse(text));
      } catch (e) {
        throw new JinjaError('TemplateRuntimeError', `Unable to load json from ${text}`);
      }
    }
    throw notProvided(`the ${kind} data parser`);
  }

  /** Session state for one top-level render: globals scope, module and template caches. */
  newSession(): Session {
    const globals = Object.create(null) as Scope;
    for (const [k, v] of this.globals) globals[k] = v;
    return { globals, modules: new Map(), templates: new Map() };
  }

  private load(name: string, parent: string | undefined): CompiledTemplate {
    const src = this.o.loader?.getSource(name, parent);
    if (!src) throw new JinjaError('TemplateNotFound', name);
    return this.compile(src.source, name, src.filename);
  }

  private compile(source: string, name: string | undefined, filename: string | undefined): CompiledTemplate {
    const key = `${name ?? ''}\0${filename ?? ''}\0${source}`;
    let t = this.compiled.get(key);
    if (!t) {
      const tokens = tokenize(source, filename, this.o);
      t = compileTemplate(this, parse(tokens, filename), name, filename);
      this.compiled.set(key, t);
    }
    return t;
  }
}

export class Template {
  constructor(private readonly env: Environment, private readonly compiled: CompiledTemplate) {}

  get name(): string | undefined { return this.compiled.name; }
  get filename(): string | undefined { return this.compiled.filename; }

  render(context: Record<string, Value> | Map<string, Value> = {}): string {
    const session = this.env.newSession();
    const vars = Object.create(session.globals) as Scope;
    const entries = context instanceof Map ? context.entries() : Object.entries(context);
    for (const [k, v] of entries) vars[k] = v;
    const ctx = newContext(this.compiled, vars, session);
    const out: string[] = [];
    try {
      this.compiled.root(ctx.vars, out);
    } catch (e) {
      if (e instanceof JinjaError && e.filename === undefined && e.lineno === undefined) e.filename = this.compiled.filename;
      throw e;
    }
    void CTX;
    return out.join('');
  }
}
