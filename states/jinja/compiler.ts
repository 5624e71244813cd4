/**
 * Compiles the template AST to JS closures (parse once, evaluate many times without
 * walking the tree). Scoping follows Jinja2: a scope is a null-prototype object whose
 * prototype is the enclosing scope, so reads fall through to outer scopes, the context
 * and the globals, while writes stay local (a `for` body, macro, `with` or block gets its
 * own scope; `if` does not). Every Python operation goes through py/ops.ts.
 */
import { JinjaError, typeError, valueError } from './errors.js';
import type { EvalEnv, FilterFn, TestFn } from './api.js';
import * as ops from './py/ops.js';
import type * as N from './nodes.js';
import { Symbols } from './symbols.js';
import { LoopContext, Macro, TemplateModule, TemplateReference, noAttribute, runtimeError } from './runtime.js';
import { Namespace, PyFunction, PyObject, Tuple, Undefined, type Kwargs, type Value } from './values.js';

/** A variable scope; CTX points at the render context of the template it belongs to. */
export type Scope = Record<string, Value> & { [CTX]?: RenderCtx };
export const CTX: unique symbol = Symbol('jinja.ctx');

type Expr = (s: Scope) => Value;
/** Returns a loop control code: 0 carry on, BREAK, CONTINUE. */
type Stmt = (s: Scope, out: string[]) => number;
export type BlockFn = (s: Scope, out: string[]) => void;
/** A name Jinja2 starts as `missing` in a frame (see symbols.ts); reads give Undefined. */
const MISSING = Object.freeze({ missing: true }) as unknown as Value;
const BREAK = 1;
const CONTINUE = 2;

export interface CompiledTemplate {
  readonly name: string | undefined;
  readonly filename: string | undefined;
  readonly root: (s: Scope, out: string[]) => void;
  readonly blocks: Map<string, BlockFn>;
}

/** State shared by every template rendered for one top-level render() call. */
export interface Session {
  globals: Scope;
  modules: Map<CompiledTemplate, TemplateModule>;
  templates: Map<string, CompiledTemplate>;
}

export interface RenderCtx {
  vars: Scope;
  exported: Set<string>;
  blocks: Map<string, BlockFn[]>;
  parentTpl: CompiledTemplate | null;
  session: Session;
  template: CompiledTemplate;
}

/** What the compiled code needs from its Environment. */
export interface Host {
  readonly strictUndefined: boolean;
  readonly filters: Map<string, FilterFn>;
  readonly tests: Map<string, TestFn>;
  readonly evalEnv: EvalEnv;
  loadTemplate(name: string, parent: string | undefined, session: Session): CompiledTemplate;
  parseData(kind: string, text: string, filename: string | undefined): Value;
}

export function newContext(template: CompiledTemplate, parent: Scope, session: Session): RenderCtx {
  const vars = Object.create(parent) as Scope;
  const ctx: RenderCtx = { vars, exported: new Set(), blocks: new Map(), parentTpl: null, session, template };
  for (const [name, fn] of template.blocks) ctx.blocks.set(name, [fn]);
  vars[CTX] = ctx;
  vars.self = new TemplateReference(
    (name) => ctx.blocks.has(name),
    (name) => { const out: string[] = []; renderBlock(ctx, name, 0, null, out); return out.join(''); },
    template.name,
  );
  return ctx;
}

function renderBlock(ctx: RenderCtx, name: string, level: number, scopedFrom: Scope | null, out: string[]): void {
  const stack = ctx.blocks.get(name)!;
  const bs = Object.create(scopedFrom ?? ctx.vars) as Scope;
  bs.super = level + 1 < stack.length
    ? new PyFunction('super', () => { const o: string[] = []; renderBlock(ctx, name, level + 1, scopedFrom, o); return o.join(''); })
    : new Undefined('super', `there is no parent block called '${name}'.`);
  stack[level](bs, out);
}

/** Runs a template's top level in ctx; returns the exported module when asked. */
export function renderModule(t: CompiledTemplate, parent: Scope, session: Session): TemplateModule {
  const ctx = newContext(t, parent, session);
  const out: string[] = [];
  t.root(ctx.vars, out);
  const exported = new Map<string, Value>();
  for (const name of ctx.exported) {
    const v = Object.prototype.hasOwnProperty.call(ctx.vars, name) ? ctx.vars[name] : undefined;
    if (v !== undefined) exported.set(name, v);
  }
  return new TemplateModule(t.name, exported, out.join(''));
}

interface CC {
  toplevel: boolean; // assignments go to the template's exported names
  soft: boolean; // inside an if / conditional expression: unknown filters fail at run time
  checkOutput: boolean; // output is dropped once the template has extended another
  hasExtends: boolean;
  inLoop?: boolean; // break/continue allowed
  sym: Symbols; // the frame's names (Jinja2's idtracking)
}

/** Presets the names a frame starts as missing. */
function preset(s: Scope, names: string[]): void {
  for (let i = 0; i < names.length; i++) s[names[i]] = MISSING;
}

/**
 * The context an included (or with-context imported) template gets: every visible name
 * but the ones still missing, over the globals (Jinja2's get_all() plus the locals).
 */
function flatten(s: Scope, globals: Scope): Scope {
  const r = Object.create(globals) as Scope;
  for (let o: Scope | null = s; o && o !== globals; o = Object.getPrototypeOf(o) as Scope | null) {
    for (const k of Object.keys(o)) if (!has(r, k) && o[k] !== MISSING) r[k] = o[k]!;
  }
  return r;
}

const firstDefaultOf = (argc: number, ndefaults: number): number => argc - ndefaults;
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export function compileTemplate(host: Host, ast: N.TemplateNode, name: string | undefined, filename: string | undefined): CompiledTemplate {
  return new Compiler(host, name, filename).template(ast);
}

function annotate(e: unknown, filename: string | undefined, lineno: number): unknown {
  if (e instanceof JinjaError) {
    if (e.lineno === undefined) { e.lineno = lineno; e.filename = filename; }
  } else if (e instanceof Error && !(e instanceof RangeError)) {
    const x = e as Error & { filename?: string; lineno?: number };
    if (x.lineno === undefined) { x.lineno = lineno; x.filename = filename; }
  }
  return e;
}

function findExtends(body: N.Stmt[]): boolean {
  let found = false;
  walk(body, (n) => { if (n.type === 'Extends') found = true; });
  return found;
}

/** Visits every statement and expression node (including nested bodies). */
function walk(nodes: readonly unknown[], f: (n: { type: string }) => void): void {
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) { for (const x of n) visit(x); return; }
    if (!n || typeof n !== 'object' || !('type' in n)) return;
    f(n as { type: string });
    for (const [k, v] of Object.entries(n)) {
      if (k === 'value' && (n as { type: string }).type === 'Const') continue;
      if (v && typeof v === 'object') {
        if (Array.isArray(v)) for (const x of v) { if (Array.isArray(x)) x.forEach(visit); else if (x && typeof x === 'object' && 'value' in x && 'key' in x) visit((x as N.Keyword).value); else visit(x); }
        else visit(v);
      }
    }
  };
  nodes.forEach(visit);
}

/** Jinja2's find_undeclared: which of `names` the body loads before assigning them. */
function usedNames(body: N.Stmt[], names: string[]): Set<string> {
  const found = new Set<string>();
  walk(body, (n) => { if (n.type === 'Name' && names.includes((n as N.Name).name)) found.add((n as N.Name).name); });
  return found;
}

class Compiler {
  private blocks = new Map<string, BlockFn>();
  private readonly strict: boolean;
  constructor(private readonly host: Host, private readonly name: string | undefined, private readonly filename: string | undefined) {
    this.strict = host.strictUndefined;
  }

  private fail(msg: string, lineno: number): never {
    throw new JinjaError('TemplateSyntaxError', msg, { filename: this.filename, lineno });
  }

  template(ast: N.TemplateNode): CompiledTemplate {
    const hasExtends = findExtends(ast.body);
    const sym = new Symbols(null);
    sym.stmts(ast.body);
    const missing = sym.missingAtStart();
    const body = this.stmts(ast.body, { toplevel: true, soft: false, checkOutput: hasExtends, hasExtends, sym });
    const root = (s: Scope, out: string[]): void => {
      const ctx = s[CTX]!;
      ctx.parentTpl = null;
      for (const m of missing) if (!has(s, m)) s[m] = MISSING;
      body(s, out);
      const p = ctx.parentTpl as CompiledTemplate | null;
      if (p) {
        ctx.parentTpl = null;
        p.root(s, out);
      }
    };
    return { name: this.name, filename: this.filename, root, blocks: this.blocks };
  }

  // ---------------------------------------------------------------- statements

  private stmts(nodes: N.Stmt[], cc: CC): Stmt {
    const fs = nodes.map((n) => this.stmt(n, cc));
    if (fs.length === 0) return () => 0;
    if (fs.length === 1) return fs[0];
    return (s, out) => {
      for (let i = 0; i < fs.length; i++) {
        const c = fs[i](s, out);
        if (c !== 0) return c;
      }
      return 0;
    };
  }

  private at(f: Stmt, lineno: number): Stmt {
    const filename = this.filename;
    return (s, out) => {
      try {
        return f(s, out);
      } catch (e) {
        throw annotate(e, filename, lineno);
      }
    };
  }

  private stmt(n: N.Stmt, cc: CC): Stmt {
    switch (n.type) {
      case 'Output': return this.output(n, cc);
      case 'If': return this.ifStmt(n, cc);
      case 'For': return this.at(this.forStmt(n, cc), n.lineno);
      case 'Assign': {
        const value = this.expr(n.node, cc);
        const assign = this.assigner(n.target, cc);
        return this.at((s) => { assign(s, value(s)); return 0; }, n.lineno);
      }
      case 'AssignBlock': {
        const sym = new Symbols(cc.sym);
        sym.stmts(n.body);
        const missing = sym.missingAtStart();
        const inner = { ...cc, toplevel: false, checkOutput: false, sym };
        const body = this.stmts(n.body, inner);
        const input: Expr = (s) => { const o: string[] = []; const bs = Object.create(s) as Scope; preset(bs, missing); body(bs, o); return o.join(''); };
        const value = n.filter ? this.filter(n.filter, inner, input) : input;
        const assign = this.assigner(n.target, cc);
        return this.at((s) => { assign(s, value(s)); return 0; }, n.lineno);
      }
      case 'ExprStmt': {
        const e = this.expr(n.node, cc);
        return this.at((s) => { e(s); return 0; }, n.lineno);
      }
      case 'Break': case 'Continue': {
        if (!cc.inLoop) this.fail(`'${n.type.toLowerCase()}' outside loop`, n.lineno);
        const code = n.type === 'Break' ? BREAK : CONTINUE;
        return () => code;
      }
      case 'Scope': return this.stmts(n.body, cc);
      case 'With': {
        const sym = new Symbols(cc.sym);
        for (const t of n.targets) sym.target(t, true);
        sym.stmts(n.body);
        const missing = sym.missingAtStart();
        const inner = { ...cc, toplevel: false, soft: false, sym };
        const values = n.values.map((v) => this.expr(v, cc));
        const targets = n.targets.map((t) => this.assigner(t, inner));
        const body = this.stmts(n.body, inner);
    return this.at((s, out) => {
          const ws = Object.create(s) as Scope;
          preset(ws, missing);
          const vs = values.map((v) => v(s));
          targets.forEach((t, i) => t(ws, vs[i]));
          return body(ws, out);
        }, n.lineno);
      }
      case 'Macro': {
        const make = this.macro(n.name, n.args, n.defaults, n.body, cc, n.lineno);
        const name = n.name;
        const exported = cc.toplevel && !name.startsWith('_');
        return this.at((s) => {
          s[name] = make(s);
          if (exported) s[CTX]!.exported.add(name);
          return 0;
        }, n.lineno);
      }
      case 'CallBlock': {
        const makeCaller = this.macro('caller', n.args, n.defaults, n.body, cc, n.lineno);
        const call = this.call(n.call, cc, makeCaller);
        const strict = this.strict;
    return this.at((s, out) => {
          out.push(toStr(call(s), strict));
          return 0;
        }, n.lineno);
      }
      case 'FilterBlock': {
        const sym = new Symbols(cc.sym);
        sym.stmts(n.body);
        sym.expr(n.filter);
        const missing = sym.missingAtStart();
        const inner = { ...cc, toplevel: false, soft: false, sym };
        const body = this.stmts(n.body, inner);
        const input: Expr = (s) => { const o: string[] = []; const bs = Object.create(s) as Scope; preset(bs, missing); body(bs, o); return o.join(''); };
        const value = this.filter(n.filter, inner, input);
        const strict = this.strict;
    return this.at((s, out) => {
          out.push(toStr(value(s), strict));
          return 0;
        }, n.lineno);
      }
      case 'Block': return this.block(n, cc);
      case 'Extends': return this.extendsStmt(n, cc);
      case 'Include': return this.include(n, cc);
      case 'Import': case 'ImportData': return this.importStmt(n, cc);
      case 'FromImport': return this.fromImport(n, cc);
      case 'LoadData': {
        const sym = new Symbols(cc.sym);
        sym.stmts(n.body);
        const missing = sym.missingAtStart();
        const inner = { ...cc, toplevel: false, soft: false, checkOutput: false, sym };
        const body = this.stmts(n.body, inner);
        const assign = this.assigner(n.target, cc);
        const { kind } = n;
        const host = this.host;
        const filename = this.filename;
        return this.at((s) => {
          const o: string[] = [];
          const bs = Object.create(s) as Scope;
          preset(bs, missing);
          body(bs, o);
          assign(s, host.parseData(kind, o.join(''), filename));
          return 0;
        }, n.lineno);
      }
    }
  }

  private output(n: N.Output, cc: CC): Stmt {
    const strict = this.strict;
    const filename = this.filename;
    const parts = n.nodes.map((x) => (x.type === 'TemplateData' ? x.value : this.expr(x, cc)));
    const lines = n.nodes.map((x) => x.lineno);
    const check = cc.checkOutput;
    if (parts.length === 1 && typeof parts[0] === 'string') {
      const text = parts[0];
      return (s, out) => {
        if (check && s[CTX]!.parentTpl) return 0;
        out.push(text);
        return 0;
      };
    }
    return (s, out) => {
      if (check && s[CTX]!.parentTpl) return 0;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (typeof p === 'string') out.push(p);
        else {
          try {
            const v = p(s);
            out.push(toStr(v, strict));
          } catch (e) {
            throw annotate(e, filename, lines[i]);
          }
        }
      }
      return 0;
    };
  }

  private ifStmt(n: N.If, cc: CC): Stmt {
    const soft = { ...cc, soft: true };
    const branches = [n, ...n.elif].map((b) => ({ test: this.expr(b.test, soft), body: this.stmts(b.body, soft), lineno: b.lineno }));
    const else_ = this.stmts(n.else_, soft);
    const strict = this.strict;
    const filename = this.filename;
    return (s, out) => {
      for (const b of branches) {
        let ok: boolean;
        try {
          ok = toBool(b.test(s), strict);
        } catch (e) {
          throw annotate(e, filename, b.lineno);
        }
        if (ok) return b.body(s, out);
      }
      return else_(s, out);
    };
  }

  private forStmt(n: N.For, cc: CC): Stmt {
    walk([n.target, ...n.body, ...n.else_], (x) => {
      const t = x.type === 'Assign' || x.type === 'AssignBlock' || x.type === 'LoadData' ? (x as N.Assign).target : x.type === 'For' ? (x as N.For).target : null;
      const names: N.Name[] = [];
      const collect = (e: N.Expr): void => { if (e.type === 'Name') names.push(e); else if (e.type === 'Tuple') e.items.forEach(collect); };
      if (t) collect(t);
      if (x === n.target) collect(n.target);
      for (const nm of names) if (nm.name === 'loop') this.fail("Can't assign to special loop variable in for-loop target", nm.lineno);
    });
    const sym = new Symbols(cc.sym);
    sym.target(n.target, true);
    sym.stmts(n.body);
    const missing = sym.missingAtStart();
    const elseSym = new Symbols(cc.sym);
    elseSym.stmts(n.else_);
    const elseMissing = elseSym.missingAtStart();
    const testSym = new Symbols(cc.sym);
    testSym.target(n.target, true);
    const inner: CC = { ...cc, toplevel: false, soft: false, inLoop: true, sym };
    const iter = this.expr(n.iter, cc);
    const assign = this.assigner(n.target, inner);
    const test = n.test ? this.expr(n.test, { ...inner, sym: testSym }) : null;
    const body = this.stmts(n.body, inner);
    const else_ = n.else_.length ? this.stmts(n.else_, { ...inner, inLoop: cc.inLoop, sym: elseSym }) : null;
    const usesLoop = usedNames(n.body, ['loop']).size > 0 || n.recursive;
    const recursive = n.recursive;
    const strict = this.strict;
    const filename = this.filename;
    const testLine = n.test?.lineno ?? n.lineno;
    const run = (s: Scope, iterable: Value, depth0: number, out: string[]): void => {
      let items: Value[];
      if (iterable instanceof Undefined) {
        if (strict && !iterable.lenient) throw ops.undefinedError(iterable);
        items = [];
      } else items = ops.iterate(iterable);
      if (test) {
        items = items.filter((item) => {
          const ts = Object.create(s) as Scope;
          assign(ts, item);
          try {
            return toBool(test(ts), strict);
          } catch (e) {
            throw annotate(e, filename, testLine);
          }
        });
      }
      const loop = usesLoop
        ? new LoopContext(items, depth0, recursive ? (it, d) => { const o: string[] = []; run(s, it, d, o); return o.join(''); } : null)
        : null;
      // Jinja2 runs the else block unless some iteration ran its body to the end
      let completed = false;
      for (let i = 0; i < items.length; i++) {
        const ls = Object.create(s) as Scope;
        if (missing.length) preset(ls, missing);
        if (loop) { loop.index0 = i; ls.loop = loop; }
        assign(ls, items[i]);
        const c = body(ls, out);
        if (c === BREAK) break;
        if (c === 0) completed = true;
      }
      if (!completed && else_) {
        const es = Object.create(s) as Scope;
        preset(es, elseMissing);
        else_(es, out);
      }
    };
    return (s, out) => { run(s, iter(s), 0, out); return 0; };
  }

  private macro(name: string, args: N.Name[], defaults: N.Expr[], bodyNodes: N.Stmt[], cc: CC, lineno: number): (s: Scope) => Macro {
    const used = usedNames(bodyNodes, ['caller', 'kwargs', 'varargs']);
    const sym = new Symbols(cc.sym);
    for (const a of args) sym.param(a.name);
    for (const d of defaults) sym.expr(d);
    for (const special of ['caller', 'kwargs', 'varargs']) if (used.has(special)) sym.param(special);
    sym.stmts(bodyNodes);
    const missing = sym.missingAtStart();
    const inner: CC = { toplevel: false, soft: false, checkOutput: false, hasExtends: cc.hasExtends, inLoop: false, sym };
    const argNames = args.map((a) => a.name);
    const defaultFns = defaults.map((d) => this.expr(d, inner));
    const body = this.stmts(bodyNodes, inner);
    const explicitIdx = argNames.indexOf('caller');
    if (used.has('caller') && explicitIdx >= 0 && explicitIdx < firstDefaultOf(argNames.length, defaults.length)) {
      this.fail('When defining macros or call blocks the special "caller" argument must be omitted or be given a default.', lineno);
    }
    const usesCaller = used.has('caller');
    const catchKwargs = used.has('kwargs') && !argNames.includes('kwargs');
    const catchVarargs = used.has('varargs') && !argNames.includes('varargs');
    const explicitCaller = argNames.includes('caller');
    const argc = argNames.length;
    const firstDefault = argc - defaults.length;
    const implicitCaller = usesCaller && !explicitCaller;
    return (defScope) => new Macro(name, argNames, catchKwargs, catchVarargs, usesCaller, (pos, kwargsIn) => {
      const ms = Object.create(defScope) as Scope;
      if (missing.length) preset(ms, missing);
      const kw = new Map(kwargsIn);
      const values: (Value | undefined)[] = pos.slice(0, argc);
      let foundCaller = false;
      if (values.length !== argc) {
        for (let i = values.length; i < argc; i++) {
          const an = argNames[i];
          const v = kw.get(an);
          kw.delete(an);
          if (an === 'caller') foundCaller = true;
          values.push(v);
        }
      } else foundCaller = explicitCaller;
      if (implicitCaller && !foundCaller) {
        let c = kw.get('caller');
        kw.delete('caller');
        if (c === undefined || c === null) c = new Undefined('caller', 'No caller defined');
        ms.caller = c;
      }
      if (catchKwargs) {
        ms.kwargs = new Map<Value, Value>(kw);
      } else if (kw.size) {
        if (kw.has('caller')) throw typeError(`macro '${name}' was invoked with two values for the special caller argument. This is most likely a bug.`);
        throw typeError(`macro '${name}' takes no keyword argument '${kw.keys().next().value}'`);
      }
      if (catchVarargs) ms.varargs = Tuple.make(pos.slice(argc));
      else if (pos.length > argc) throw typeError(`macro '${name}' takes not more than ${argc} argument(s)`);
      for (let i = 0; i < argc; i++) if (values[i] !== undefined) ms[argNames[i]] = values[i]!;
      for (let i = 0; i < argc; i++) {
        if (values[i] !== undefined) continue;
        const an = argNames[i];
        ms[an] = i >= firstDefault ? defaultFns[i - firstDefault](ms) : new Undefined(an, `parameter '${an}' was not provided`);
      }
      const out: string[] = [];
      body(ms, out);
      return out.join('');
    });
  }

  private block(n: N.Block, cc: CC): Stmt {
    const sym = new Symbols(null);
    sym.stmts(n.body);
    const missing = sym.missingAtStart();
    const inner: CC = { toplevel: false, soft: false, checkOutput: false, hasExtends: cc.hasExtends, inLoop: false, sym };
    const body = this.stmts(n.body, inner);
    const name = n.name;
    const filename = this.filename;
    const fn: BlockFn = n.required
      ? () => { throw new JinjaError('TemplateRuntimeError', `Required block '${name}' not found.`, { filename, lineno: n.lineno }); }
      : (s, out) => { preset(s, missing); body(s, out); };
    this.blocks.set(name, fn);
    const scoped = n.scoped;
    const check = cc.checkOutput;
    return this.at((s, out) => {
      const ctx = s[CTX]!;
      if (check && ctx.parentTpl) return 0;
      renderBlock(ctx, name, 0, scoped ? s : null, out);
      return 0;
    }, n.lineno);
  }

  private extendsStmt(n: N.Extends, cc: CC): Stmt {
    if (!cc.toplevel) this.fail('cannot use extend from a non top-level scope', n.lineno);
    const tpl = this.expr(n.template, cc);
    const host = this.host;
    const myName = this.name;
    return this.at((s) => {
      const ctx = s[CTX]!;
      if (ctx.parentTpl) throw runtimeError('extended multiple times');
      const p = this.templateFrom(tpl(s), myName, ctx.session);
      for (const [name, fn] of p.blocks) {
        const stack = ctx.blocks.get(name);
        if (stack) stack.push(fn);
        else ctx.blocks.set(name, [fn]);
      }
      ctx.parentTpl = p;
      void host;
      return 0;
    }, n.lineno);
  }

  /** A template named by a value: a name, or a list of names (the first that exists). */
  private templateFrom(v: Value, parent: string | undefined, session: Session): CompiledTemplate {
    if (typeof v === 'string') return this.host.loadTemplate(v, parent, session);
    if (v instanceof Undefined) throw ops.undefinedError(v);
    if (Array.isArray(v)) {
      for (const name of v) {
        if (typeof name !== 'string') continue;
        try {
          return this.host.loadTemplate(name, parent, session);
        } catch (e) {
          if (!(e instanceof JinjaError && e.kind === 'TemplateNotFound')) throw e;
        }
      }
      if (!v.length) throw new JinjaError('TemplateNotFound', 'Tried to select from an empty list of templates.');
      throw new JinjaError('TemplateNotFound', `none of the templates given were found: ${v.map((x) => toStr(x, false)).join(', ')}`);
    }
    throw typeError(`template name must be a string, not ${ops.typeName(v)}`);
  }

  private include(n: N.Include, cc: CC): Stmt {
    const tpl = this.expr(n.template, cc);
    const { ignoreMissing, withContext } = n;
    const myName = this.name;
    return this.at((s, out) => {
      const ctx = s[CTX]!;
      let t: CompiledTemplate;
      try {
        t = this.templateFrom(tpl(s), myName, ctx.session);
      } catch (e) {
        if (ignoreMissing && e instanceof JinjaError && e.kind === 'TemplateNotFound') return 0;
        throw e;
      }
      const ictx = newContext(t, withContext ? flatten(s, ctx.session.globals) : ctx.session.globals, ctx.session);
      t.root(ictx.vars, out);
      return 0;
    }, n.lineno);
  }

  private module(t: CompiledTemplate, s: Scope, withContext: boolean): TemplateModule {
    const session = s[CTX]!.session;
    if (withContext) return renderModule(t, flatten(s, session.globals), session);
    let m = session.modules.get(t);
    if (!m) {
      m = renderModule(t, session.globals, session);
      session.modules.set(t, m);
    }
    return m;
  }

  private importStmt(n: N.Import | N.ImportData, cc: CC): Stmt {
    const tpl = this.expr(n.template, cc);
    const { target, withContext } = n;
    const kind = n.type === 'ImportData' ? n.kind : null;
    const toplevel = cc.toplevel;
    const myName = this.name;
    return this.at((s) => {
      const ctx = s[CTX]!;
      const t = this.templateFrom(tpl(s), myName, ctx.session);
      const m = this.module(t, s, withContext);
      s[target] = kind === null ? m : this.host.parseData(kind, m.body, t.filename ?? t.name);
      // Salt's import_yaml/json/text end in a plain assignment, which a top level exports ("catalog" use)
      if (toplevel && kind !== null && !target.startsWith('_')) ctx.exported.add(target);
      else if (toplevel) ctx.exported.delete(target);
      return 0;
    }, n.lineno);
  }

  private fromImport(n: N.FromImport, cc: CC): Stmt {
    const tpl = this.expr(n.template, cc);
    const { names, withContext, lineno } = n;
    const toplevel = cc.toplevel;
    const myName = this.name;
    return this.at((s) => {
      const ctx = s[CTX]!;
      const t = this.templateFrom(tpl(s), myName, ctx.session);
      const m = this.module(t, s, withContext);
      for (const [name, alias] of names) {
        const v = m.exported.get(name);
        s[alias] = v !== undefined ? v : new Undefined(name,
          `the template ${pyQuote(t.name)} (imported on line ${lineno} in ${pyQuote(myName)}) does not export the requested name '${name}'`);
        if (toplevel) ctx.exported.delete(alias);
      }
      return 0;
    }, n.lineno);
  }

  /** (scope, value) => void for a set/for/with target. */
  private assigner(t: N.Expr, cc: CC): (s: Scope, v: Value) => void {
    if (t.type === 'Name') {
      const name = t.name;
      if (cc.toplevel && !name.startsWith('_')) return (s, v) => { s[name] = v; s[CTX]!.exported.add(name); };
      return (s, v) => { s[name] = v; };
    }
    if (t.type === 'NSRef') {
      const { name, attr } = t;
      return (s, v) => {
        const ns = s[name];
        if (!(ns instanceof Namespace)) throw runtimeError('cannot assign attribute on non-namespace object');
        ns.attrs.set(attr, v);
      };
    }
    if (t.type === 'Tuple') {
      const items = t.items.map((x) => this.assigner(x, cc));
      const strict = this.strict;
      return (s, v) => {
        if (v instanceof Undefined && strict) throw ops.undefinedError(v);
        const vals = v instanceof Undefined ? [] : ops.iterate(v);
        if (vals.length < items.length) throw valueError(`not enough values to unpack (expected ${items.length}, got ${vals.length})`);
        if (vals.length > items.length) throw valueError(`too many values to unpack (expected ${items.length})`);
        for (let i = 0; i < items.length; i++) items[i](s, vals[i]);
      };
    }
    this.fail(`can't assign to '${t.type.toLowerCase()}'`, t.lineno);
  }

  // ---------------------------------------------------------------- expressions

  private expr(n: N.Expr, cc: CC): Expr {
    const strict = this.strict;
    switch (n.type) {
      case 'Const': { const v = n.value; return () => v; }
      case 'TemplateData': { const v = n.value; return () => v; }
      case 'Name': {
        const name = n.name;
        return (s) => {
          const v = s[name];
          return v !== undefined && v !== MISSING ? v : new Undefined(name);
        };
      }
      case 'NSRef': this.fail('namespace reference in an expression', n.lineno);
      // eslint-disable-next-line no-fallthrough
      case 'Tuple': {
        const items = n.items.map((x) => this.expr(x, cc));
        return (s) => Tuple.make(items.map((f) => f(s)));
      }
      case 'List': {
        const items = n.items.map((x) => this.expr(x, cc));
        return (s) => items.map((f) => f(s));
      }
      case 'Dict': {
        const items = n.items.map(([k, v]) => [this.expr(k, cc), this.expr(v, cc)] as const);
        return (s) => {
          const m = new Map<Value, Value>();
          for (const [k, v] of items) {
            const key = k(s);
            ops.dictSet(m, key, v(s));
          }
          return m;
        };
      }
      case 'CondExpr': {
        const soft = { ...cc, soft: true };
        const test = this.expr(n.test, soft);
        const a = this.expr(n.expr1, soft);
        const b = n.expr2 ? this.expr(n.expr2, soft) : null;
        const where = `line ${n.lineno}${this.name !== undefined ? ` in ${pyQuote(this.name)}` : ''}`;
        const hint = `the inline if-expression on ${where} evaluated to false and no else section was defined.`;
        return (s) => (toBool(test(s), strict) ? a(s) : b ? b(s) : new Undefined(undefined, hint, true));
      }
      case 'BinExpr': {
        const l = this.expr(n.left, cc);
        const r = this.expr(n.right, cc);
        const op = n.op;
        return (s) => ops.binop(op, l(s), r(s), strict);
      }
      case 'Concat': {
        const parts = n.nodes.map((x) => this.expr(x, cc));
        return (s) => {
          let r = '';
          for (const p of parts) {
            const v = p(s);
            r += toStr(v, strict);
          }
          return r;
        };
      }
      case 'And': {
        const l = this.expr(n.left, cc);
        const r = this.expr(n.right, cc);
        return (s) => { const a = l(s); return toBool(a, strict) ? r(s) : a; };
      }
      case 'Or': {
        const l = this.expr(n.left, cc);
        const r = this.expr(n.right, cc);
        return (s) => { const a = l(s); return toBool(a, strict) ? a : r(s); };
      }
      case 'Not': {
        const x = this.expr(n.node, cc);
        return (s) => !toBool(x(s), strict);
      }
      case 'Unary': {
        const x = this.expr(n.node, cc);
        const op = n.op;
        return (s) => ops.unary(op, x(s), strict);
      }
      case 'Compare': {
        const first = this.expr(n.expr, cc);
        const rest = n.ops.map((o) => ({ op: CMP[o.op], f: this.expr(o.expr, cc) }));
        if (rest.length === 1) {
          const { op, f } = rest[0];
          return (s) => ops.compare(op, first(s), f(s), strict);
        }
        return (s) => {
          let a = first(s);
          for (const { op, f } of rest) {
            const b = f(s);
            if (!ops.compare(op, a, b, strict)) return false;
            a = b;
          }
          return true;
        };
      }
      case 'Getattr': {
        const obj = this.expr(n.node, cc);
        const attr = n.attr;
        return (s) => getAttr(obj(s), attr);
      }
      case 'Getitem': {
        const obj = this.expr(n.node, cc);
        if (n.arg.type === 'Slice') {
          const sl = n.arg;
          const none = (): Value => null;
          const a = sl.start ? this.expr(sl.start, cc) : none;
          const b = sl.stop ? this.expr(sl.stop, cc) : none;
          const c = sl.step ? this.expr(sl.step, cc) : none;
          return (s) => {
            const o = obj(s);
            if (o instanceof Undefined) throw ops.undefinedError(o);
            return ops.slice(o, a(s), b(s), c(s));
          };
        }
        const key = this.expr(n.arg, cc);
        return (s) => getItem(obj(s), key(s));
      }
      case 'Slice': this.fail('slice outside a subscript', n.lineno);
      // eslint-disable-next-line no-fallthrough
      case 'Call': return this.call(n, cc, null);
      case 'Filter': return this.filter(n, cc, null);
      case 'Test': return this.test(n, cc);
    }
  }

  /** Positional and keyword arguments of a call, filter or test. */
  private args(a: N.CallArgs, cc: CC): (s: Scope) => [Value[], Kwargs] {
    const pos = a.args.map((x) => this.expr(x, cc));
    const kws = a.kwargs.map((k) => [k.key, this.expr(k.value, cc)] as const);
    const dynArgs = a.dynArgs ? this.expr(a.dynArgs, cc) : null;
    const dynKwargs = a.dynKwargs ? this.expr(a.dynKwargs, cc) : null;
    const strict = this.strict;
    if (!dynArgs && !dynKwargs && kws.length === 0) {
      if (pos.length === 0) return () => [[], new Map()];
      return (s) => [pos.map((f) => f(s)), new Map()];
    }
    return (s) => {
      const args = pos.map((f) => f(s));
      if (dynArgs) {
        const d = dynArgs(s);
        if (d instanceof Undefined && strict) throw ops.undefinedError(d);
        if (!(d instanceof Undefined)) args.push(...ops.iterate(d));
      }
      const kwargs: Kwargs = new Map();
      for (const [k, f] of kws) kwargs.set(k, f(s));
      if (dynKwargs) {
        const d = dynKwargs(s);
        if (d instanceof Undefined) { if (strict) throw ops.undefinedError(d); } else if (d instanceof Map) {
          for (const [k, v] of d) {
            if (typeof k !== 'string') throw typeError('keywords must be strings');
            kwargs.set(k, v);
          }
        } else throw typeError(`argument after ** must be a mapping, not ${ops.typeName(d)}`);
      }
      return [args, kwargs];
    };
  }

  private call(n: N.Call, cc: CC, makeCaller: ((s: Scope) => Macro) | null): Expr {
    const args = this.args(n, cc);
    if (n.node.type === 'Getattr') {
      // obj.method(...): look the attribute up, then call it
      const obj = this.expr(n.node.node, cc);
      const attr = n.node.attr;
      return (s) => {
        const f = getAttr(obj(s), attr);
        const [a, k] = args(s);
        if (makeCaller) k.set('caller', makeCaller(s));
        return callValue(f, a, k);
      };
    }
    const fn = this.expr(n.node, cc);
    return (s) => {
      const f = fn(s);
      const [a, k] = args(s);
      if (makeCaller) k.set('caller', makeCaller(s));
      return callValue(f, a, k);
    };
  }

  private filter(n: N.Filter, cc: CC, input: Expr | null): Expr {
    // a filter block's chain: the innermost filter gets the block's text
    const value = n.node === null ? input! : input && n.node.type === 'Filter' ? this.filter(n.node, cc, input) : this.expr(n.node, cc);
    return this.applied('filter', n, cc, value);
  }

  private test(n: N.Test, cc: CC): Expr {
    return this.applied('test', n, cc, this.expr(n.node, cc));
  }

  /** A filter or test applied to `value`, with the node's arguments. */
  private applied(kind: 'filter' | 'test', n: N.Filter | N.Test, cc: CC, value: Expr): Expr {
    const args = this.args(n, cc);
    const name = n.name;
    const fn = (kind === 'filter' ? this.host.filters : this.host.tests).get(name);
    const env = this.host.evalEnv;
    if (!fn) {
      if (!cc.soft) this.fail(`No ${kind} named '${name}'.`, n.lineno);
      return () => { throw runtimeError(`No ${kind} named '${name}' found.`); };
    }
    return (s) => {
      const v = value(s);
      const [a, k] = args(s);
      return fn(env, v, a, k);
    };
  }
}

const CMP: Record<N.CompareOp, ops.CmpOp> = { eq: '==', ne: '!=', lt: '<', lteq: '<=', gt: '>', gteq: '>=', in: 'in', notin: 'not in' };

/** str(v) as output prints it; a lenient Undefined prints '' even under StrictUndefined. */
function toStr(v: Value, strict: boolean): string {
  if (typeof v === 'string') return v;
  return ops.pyStr(v, strict && !(v instanceof Undefined && v.lenient));
}
function toBool(v: Value, strict: boolean): boolean {
  return ops.truthy(v, strict && !(v instanceof Undefined && v.lenient));
}

const pyQuote = (s: string | undefined): string => (s === undefined ? 'None' : ops.pyRepr(s));

/** The non-dunder attributes of Python 3.11's dict (dir(dict)). */
const DICT_ATTRS = new Set(['clear', 'copy', 'fromkeys', 'get', 'items', 'keys', 'pop', 'popitem', 'setdefault', 'update', 'values']);

/** Jinja2's environment.getattr plus the engine's own runtime objects. */
export function getAttr(o: Value, name: string): Value {
  // fast path for `grains.os`: a dict item whose name is no attribute of Python's dict
  if (o instanceof Map && !DICT_ATTRS.has(name) && !name.startsWith('__')) {
    const v = o.get(name);
    if (v !== undefined) return v;
  }
  if (o instanceof Undefined) throw ops.undefinedError(o);
  if (o instanceof Macro) return o.attr(name);
  if (o instanceof Namespace) return o.attrs.get(name) ?? noAttribute('jinja2.utils.Namespace', name);
  if (o instanceof LoopContext) return o.getattr(name) ?? noAttribute('jinja2.runtime.LoopContext', name);
  if (o instanceof TemplateModule) return o.getattr(name) ?? noAttribute('jinja2.environment.TemplateModule', name);
  if (o instanceof TemplateReference) return o.getattr(name) ?? noAttribute('jinja2.runtime.TemplateReference', name);
  const v = ops.getattr(o, name);
  // Salt renders in Jinja2's SandboxedEnvironment: an underscore attribute that exists is unsafe
  if (name.startsWith('_') && v instanceof PyFunction) {
    return new Undefined(name, `access to attribute '${name}' of '${ops.typeName(o)}' object is unsafe.`, false, 'TemplateRuntimeError');
  }
  return v;
}

/** Jinja2's environment.getitem. */
export function getItem(o: Value, key: Value): Value {
  if (o instanceof Undefined) throw ops.undefinedError(o);
  if (typeof key === 'string' && (o instanceof Macro || o instanceof LoopContext || o instanceof TemplateModule || o instanceof TemplateReference)) {
    return getAttr(o, key);
  }
  return ops.getitem(o, key);
}

export function callValue(f: Value, args: Value[], kwargs: Kwargs): Value {
  if (f instanceof PyFunction) return f.call(args, kwargs);
  if (f instanceof Macro || f instanceof LoopContext) return f.call(args, kwargs);
  if (f instanceof PyObject || f instanceof Undefined) return ops.call(f, args, kwargs);
  return ops.call(f, args, kwargs);
}
