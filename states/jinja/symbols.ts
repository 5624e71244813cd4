/**
 * Jinja2's compile-time name tracking (jinja2/idtracking.py), reduced to what changes
 * behaviour in umec's scope-chain evaluator: which names a frame (template top level,
 * for body, macro, with, block, set/filter block) stores before it loads them and that
 * no enclosing frame knows. Jinja2 starts those as `missing`, so reading them before the
 * assignment gives Undefined even when the context or the globals have the name (the
 * evaluator presets them to MISSING). Every other name reads through to the outer scopes
 * exactly as the chain of scope objects does.
 */
import type * as N from './nodes.js';

type Load = 'param' | 'resolve' | 'alias' | 'undefined';

export class Symbols {
  refs = new Map<string, Load>();
  stores = new Set<string>();
  constructor(readonly parent: Symbols | null) {}

  findRef(name: string): boolean {
    return this.refs.has(name) || (this.parent !== null && this.parent.findRef(name));
  }
  store(name: string): void {
    this.stores.add(name);
    if (!this.refs.has(name)) this.refs.set(name, this.parent?.findRef(name) ? 'alias' : 'undefined');
  }
  param(name: string): void {
    this.stores.add(name);
    this.refs.set(name, 'param');
  }
  load(name: string): void {
    if (!this.findRef(name)) this.refs.set(name, 'resolve');
  }
  copy(): Symbols {
    const c = new Symbols(this.parent);
    c.refs = new Map(this.refs);
    c.stores = new Set(this.stores);
    return c;
  }
  branchUpdate(branches: Symbols[]): void {
    const counts = new Map<string, number>();
    for (const b of branches) for (const t of b.stores) if (!this.stores.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const b of branches) {
      for (const [k, v] of b.refs) this.refs.set(k, v);
      for (const t of b.stores) this.stores.add(t);
    }
    for (const [name, n] of counts) {
      if (n === branches.length) continue;
      this.refs.set(name, this.parent?.findRef(name) ? 'alias' : 'resolve');
    }
  }
  /** Names that start as `missing` in this frame. */
  missingAtStart(): string[] {
    const r: string[] = [];
    for (const [k, v] of this.refs) if (v === 'undefined') r.push(k);
    return r;
  }

  // ---- the frame's own statements (FrameSymbolVisitor)

  stmts(nodes: readonly N.Stmt[]): void { for (const n of nodes) this.stmt(n); }

  stmt(n: N.Stmt): void {
    switch (n.type) {
      case 'Output': for (const x of n.nodes) this.expr(x); return;
      case 'If': {
        this.expr(n.test);
        const visit = (nodes: readonly N.Stmt[]): Symbols => {
          const c = this.copy();
          c.stmts(nodes);
          return c;
        };
        const body = visit(n.body);
        const elifs = this.copy();
        for (const e of n.elif) elifs.stmt(e);
        const else_ = visit(n.else_);
        this.branchUpdate([body, elifs, else_]);
        return;
      }
      case 'For': this.expr(n.iter); return;
      case 'Macro': this.store(n.name); return;
      case 'CallBlock': this.expr(n.call); return;
      case 'FilterBlock': this.expr(n.filter); return;
      case 'With': for (const v of n.values) this.expr(v); return;
      case 'AssignBlock': this.target(n.target); return;
      case 'Assign': this.expr(n.node); this.target(n.target); return;
      case 'Import': this.expr(n.template); this.store(n.target); return;
      case 'ImportData': this.expr(n.template); this.store(n.target); return;
      case 'FromImport': this.expr(n.template); for (const [, alias] of n.names) this.store(alias); return;
      case 'LoadData': this.target(n.target); return;
      case 'Include': case 'Extends': this.expr(n.template); return;
      case 'ExprStmt': this.expr(n.node); return;
      case 'Scope': this.stmts(n.body); return;
      case 'Block': case 'Break': case 'Continue': return;
    }
  }

  target(t: N.Expr, asParam = false): void {
    if (t.type === 'Name') { if (asParam) this.param(t.name); else this.store(t.name); }
    else if (t.type === 'NSRef') this.load(t.name);
    else if (t.type === 'Tuple') for (const x of t.items) this.target(x, asParam);
  }

  expr(e: N.Expr | null): void {
    if (!e) return;
    switch (e.type) {
      case 'Name': this.load(e.name); return;
      case 'Const': case 'TemplateData': return;
      case 'NSRef': this.load(e.name); return;
      case 'Tuple': case 'List': for (const x of e.items) this.expr(x); return;
      case 'Dict': for (const [k, v] of e.items) { this.expr(k); this.expr(v); } return;
      case 'CondExpr': this.expr(e.test); this.expr(e.expr1); this.expr(e.expr2); return;
      case 'BinExpr': case 'And': case 'Or': this.expr(e.left); this.expr(e.right); return;
      case 'Not': case 'Unary': this.expr(e.node); return;
      case 'Concat': for (const x of e.nodes) this.expr(x); return;
      case 'Compare': this.expr(e.expr); for (const o of e.ops) this.expr(o.expr); return;
      case 'Getattr': this.expr(e.node); return;
      case 'Getitem': this.expr(e.node); this.expr(e.arg); return;
      case 'Slice': this.expr(e.start); this.expr(e.stop); this.expr(e.step); return;
      case 'Call': case 'Filter': case 'Test':
        this.expr(e.node);
        for (const a of e.args) this.expr(a);
        for (const k of e.kwargs) this.expr(k.value);
        this.expr(e.dynArgs);
        this.expr(e.dynKwargs);
        return;
    }
  }
}
