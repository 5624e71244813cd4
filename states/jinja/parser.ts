/**
 * Jinja2 3.1's parser (jinja2/parser.py), plus the statements of the extensions Salt
 * enables (do, break, continue) and Salt's own tags (import_yaml/json/text,
 * load_yaml/json/text ... endload). Tokens in, AST out; errors are TemplateSyntaxError
 * with the line of the offending token.
 */
import { JinjaError } from './errors.js';
import { describeToken, describeTokenExpr, type Token, type TokenType } from './lexer.js';
import type * as N from './nodes.js';

const STATEMENT_KEYWORDS = new Set([
  'for', 'if', 'block', 'extends', 'print', 'macro', 'include', 'from', 'import', 'set', 'with', 'autoescape',
]);
const COMPARE_OPS: Partial<Record<TokenType, N.CompareOp>> = { eq: 'eq', ne: 'ne', lt: 'lt', lteq: 'lteq', gt: 'gt', gteq: 'gteq' };
const SALT_IMPORT_TAGS: Record<string, string> = { import_yaml: 'yaml', import_json: 'json', import_text: 'text' };
const SALT_LOAD_TAGS: Record<string, string> = { load_yaml: 'yaml', load_json: 'json', load_text: 'text' };

class Stream {
  i = 0;
  constructor(readonly tokens: Token[], readonly filename: string | undefined) {}
  get current(): Token { return this.tokens[this.i]; }
  look(): Token { return this.tokens[Math.min(this.i + 1, this.tokens.length - 1)]; }
  next(): Token {
    const t = this.tokens[this.i];
    if (t.type !== 'eof') this.i++;
    return t;
  }
  skip(n = 1): void { for (let k = 0; k < n; k++) this.next(); }
  test(expr: string, t: Token = this.current): boolean {
    const i = expr.indexOf(':');
    if (i < 0) return t.type === expr;
    return t.type === expr.slice(0, i) && t.value === expr.slice(i + 1);
  }
  testAny(exprs: readonly string[], t: Token = this.current): boolean { return exprs.some((e) => this.test(e, t)); }
  skipIf(expr: string): boolean {
    if (this.test(expr)) { this.next(); return true; }
    return false;
  }
  expect(expr: string): Token {
    if (!this.test(expr)) {
      const d = describeTokenExpr(expr);
      if (this.current.type === 'eof') throw this.error(`unexpected end of template, expected '${d}'.`, this.current.lineno);
      throw this.error(`expected token '${d}', got '${describeToken(this.current)}'`, this.current.lineno);
    }
    return this.next();
  }
  error(msg: string, lineno: number): JinjaError {
    return new JinjaError('TemplateSyntaxError', msg, { filename: this.filename, lineno });
  }
}

export function parse(tokens: Token[], filename: string | undefined): N.TemplateNode {
  return { type: 'Template', body: new Parser(tokens, filename).subparse(null) };
}

class Parser {
  private s: Stream;
  private tagStack: string[] = [];
  private endTokenStack: string[][] = [];
  private blockNames = new Set<string>();
  constructor(tokens: Token[], filename: string | undefined) {
    this.s = new Stream(tokens, filename);
  }

  /** The current token's type (a call, so TypeScript does not narrow it across next()). */
  private tt(): TokenType { return this.s.current.type; }

  private fail(msg: string, lineno = this.s.current.lineno): never {
    throw this.s.error(msg, lineno);
  }

  private failUtEof(name: string | null, stack: string[][], lineno: number): never {
    const expected = new Set<string>();
    for (const exprs of stack) for (const e of exprs) expected.add(describeTokenExpr(e));
    const looking = stack.length ? stack[stack.length - 1].map((e) => `'${describeTokenExpr(e)}'`).join(' or ') : null;
    const message = [name === null ? 'Unexpected end of template.' : `Encountered unknown tag '${name}'.`];
    if (looking) {
      if (name !== null && expected.has(name)) {
        message.push(`You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for ${looking}.`);
      } else {
        message.push(`Jinja was looking for the following tags: ${looking}.`);
      }
    }
    if (this.tagStack.length) message.push(`The innermost block that needs to be closed is '${this.tagStack[this.tagStack.length - 1]}'.`);
    this.fail(message.join(' '), lineno);
  }

  subparse(endTokens: string[] | null): N.Stmt[] {
    const body: N.Stmt[] = [];
    let data: N.Expr[] = [];
    const flush = (): void => {
      if (data.length) {
        body.push({ type: 'Output', nodes: data, lineno: data[0].lineno });
        data = [];
      }
    };
    if (endTokens) this.endTokenStack.push(endTokens);
    try {
      const s = this.s;
      while (s.current.type !== 'eof') {
        const t = s.current;
        if (t.type === 'data') {
          if (t.value) data.push({ type: 'TemplateData', value: t.value as string, lineno: t.lineno });
          s.next();
        } else if (t.type === 'variable_begin') {
          s.next();
          data.push(this.parseTuple({ withCondexpr: true }));
          s.expect('variable_end');
        } else if (t.type === 'block_begin') {
          flush();
          s.next();
          if (endTokens && s.testAny(endTokens)) return body;
          const rv = this.parseStatement();
          if (Array.isArray(rv)) body.push(...rv);
          else body.push(rv);
          s.expect('block_end');
        } else {
          this.fail('internal parsing error');
        }
      }
      flush();
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
    return body;
  }

  private parseStatements(endTokens: string[], dropNeedle = false): N.Stmt[] {
    this.s.skipIf('colon');
    this.s.expect('block_end');
    const result = this.subparse(endTokens);
    if (this.tt() === 'eof') this.failUtEof(null, [...this.endTokenStack, endTokens], this.s.current.lineno);
    if (dropNeedle) this.s.next();
    return result;
  }

  private parseStatement(): N.Stmt | N.Stmt[] {
    const t = this.s.current;
    if (t.type !== 'name') this.fail('tag name expected', t.lineno);
    const name = t.value as string;
    this.tagStack.push(name);
    let pop = true;
    try {
      if (STATEMENT_KEYWORDS.has(name)) {
        switch (name) {
          case 'for': return this.parseFor();
          case 'if': return this.parseIf();
          case 'block': return this.parseBlock();
          case 'extends': return this.parseExtends();
          case 'print': return this.parsePrint();
          case 'macro': return this.parseMacro();
          case 'include': return this.parseInclude();
          case 'from': return this.parseFrom();
          case 'import': return this.parseImport();
          case 'set': return this.parseSet();
          case 'with': return this.parseWith();
          case 'autoescape': return this.parseAutoescape();
        }
      }
      if (name === 'call') return this.parseCallBlock();
      if (name === 'filter') return this.parseFilterBlock();
      if (name === 'do') {
        const lineno = this.s.next().lineno;
        return { type: 'ExprStmt', node: this.parseTuple(), lineno };
      }
      if (name === 'break' || name === 'continue') {
        const lineno = this.s.next().lineno;
        return { type: name === 'break' ? 'Break' : 'Continue', lineno };
      }
      if (name in SALT_IMPORT_TAGS) return this.parseImportData(SALT_IMPORT_TAGS[name]);
      if (name in SALT_LOAD_TAGS) return this.parseLoadData(SALT_LOAD_TAGS[name]);
      this.tagStack.pop();
      pop = false;
      return this.failUtEof(name, this.endTokenStack, t.lineno);
    } finally {
      if (pop) this.tagStack.pop();
    }
  }

  private parseFor(): N.For {
    const lineno = this.s.expect('name:for').lineno;
    const target = this.parseAssignTarget({ extraEndRules: ['name:in'] });
    this.s.expect('name:in');
    const iter = this.parseTuple({ withCondexpr: false, extraEndRules: ['name:recursive'] });
    let test: N.Expr | null = null;
    if (this.s.skipIf('name:if')) test = this.parseExpression();
    const recursive = this.s.skipIf('name:recursive');
    const body = this.parseStatements(['name:endfor', 'name:else']);
    let else_: N.Stmt[] = [];
    if (this.s.next().value !== 'endfor') else_ = this.parseStatements(['name:endfor'], true);
    return { type: 'For', target, iter, body, else_, test, recursive, lineno };
  }

  private parseIf(): N.If {
    const result: N.If = { type: 'If', lineno: this.s.expect('name:if').lineno, test: null!, body: [], elif: [], else_: [] };
    let node = result;
    for (;;) {
      node.test = this.parseTuple({ withCondexpr: false });
      node.body = this.parseStatements(['name:elif', 'name:else', 'name:endif']);
      const t = this.s.next();
      if (this.s.test('name:elif', t)) {
        node = { type: 'If', lineno: this.s.current.lineno, test: null!, body: [], elif: [], else_: [] };
        result.elif.push(node);
        continue;
      } else if (this.s.test('name:else', t)) {
        result.else_ = this.parseStatements(['name:endif'], true);
      }
      break;
    }
    return result;
  }

  private parseWith(): N.With {
    const lineno = this.s.next().lineno;
    const targets: N.Expr[] = [];
    const values: N.Expr[] = [];
    while (this.tt() !== 'block_end') {
      if (targets.length) this.s.expect('comma');
      targets.push(this.parseAssignTarget());
      this.s.expect('assign');
      values.push(this.parseExpression());
    }
    return { type: 'With', targets, values, body: this.parseStatements(['name:endwith'], true), lineno };
  }

  private parseAutoescape(): N.Scope {
    const lineno = this.s.next().lineno;
    this.parseExpression(); // autoescape is off in Salt; the block only scopes nothing
    return { type: 'Scope', body: this.parseStatements(['name:endautoescape'], true), lineno };
  }

  private parseBlock(): N.Block {
    const lineno = this.s.next().lineno;
    const name = this.s.expect('name').value as string;
    const scoped = this.s.skipIf('name:scoped');
    const required = this.s.skipIf('name:required');
    if (this.tt() === 'sub') {
      this.fail('Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.');
    }
    const body = this.parseStatements(['name:endblock'], true);
    if (required) {
      for (const b of body) {
        if (b.type !== 'Output' || !b.nodes.every((x) => x.type === 'TemplateData' && /^\s*$/.test(x.value))) {
          this.fail('Required blocks can only contain comments or whitespace', lineno);
        }
      }
    }
    if (this.blockNames.has(name)) this.fail(`block '${name}' defined twice`, lineno);
    this.blockNames.add(name);
    this.s.skipIf('name:' + name);
    return { type: 'Block', name, body, scoped, required, lineno };
  }

  private parseExtends(): N.Extends {
    const lineno = this.s.next().lineno;
    return { type: 'Extends', template: this.parseExpression(), lineno };
  }

  private parseImportContext(dflt: boolean): boolean {
    if (this.s.testAny(['name:with', 'name:without']) && this.s.test('name:context', this.s.look())) {
      const w = this.s.next().value === 'with';
      this.s.skip();
      return w;
    }
    return dflt;
  }

  private parseInclude(): N.Include {
    const lineno = this.s.next().lineno;
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.s.test('name:ignore') && this.s.test('name:missing', this.s.look())) {
      ignoreMissing = true;
      this.s.skip(2);
    }
    return { type: 'Include', template, ignoreMissing, withContext: this.parseImportContext(true), lineno };
  }

  private parseImport(): N.Import {
    const lineno = this.s.next().lineno;
    const template = this.parseExpression();
    this.s.expect('name:as');
    const target = this.parseNameTarget();
    return { type: 'Import', template, target, withContext: this.parseImportContext(false), lineno };
  }

  private parseImportData(kind: string): N.ImportData {
    const lineno = this.s.next().lineno;
    const template = this.parseExpression();
    this.s.expect('name:as');
    const target = this.parseNameTarget();
    return { type: 'ImportData', kind, template, target, withContext: this.parseImportContext(false), lineno };
  }

  private parseLoadData(kind: string): N.LoadData {
    const lineno = this.s.next().lineno;
    this.s.expect('name:as');
    const target = this.parseAssignTarget();
    const body = this.parseStatements(['name:endload'], true);
    return { type: 'LoadData', kind, target, body, lineno };
  }

  private parseFrom(): N.FromImport {
    const lineno = this.s.next().lineno;
    const template = this.parseExpression();
    this.s.expect('name:import');
    const names: [string, string][] = [];
    let withContext: boolean | undefined;
    const parseContext = (): boolean => {
      const v = this.s.current.value;
      if ((v === 'with' || v === 'without') && this.s.test('name:context', this.s.look())) {
        withContext = this.s.next().value === 'with';
        this.s.skip();
        return true;
      }
      return false;
    };
    for (;;) {
      if (names.length) this.s.expect('comma');
      if (this.tt() === 'name') {
        if (parseContext()) break;
        const tLine = this.s.current.lineno;
        const target = this.parseNameTarget();
        if (target.startsWith('_')) this.fail('names starting with an underline can not be imported', tLine);
        if (this.s.skipIf('name:as')) names.push([target, this.parseNameTarget()]);
        else names.push([target, target]);
        if (parseContext() || this.tt() !== 'comma') break;
      } else {
        this.s.expect('name');
      }
    }
    return { type: 'FromImport', template, names, withContext: withContext ?? false, lineno };
  }

  private parseSignature(): { args: N.Name[]; defaults: N.Expr[] } {
    const args: N.Name[] = [];
    const defaults: N.Expr[] = [];
    this.s.expect('lparen');
    while (this.tt() !== 'rparen') {
      if (args.length) this.s.expect('comma');
      const t = this.s.expect('name');
      if (this.s.skipIf('assign')) defaults.push(this.parseExpression());
      else if (defaults.length) this.fail('non-default argument follows default argument');
      args.push({ type: 'Name', name: t.value as string, lineno: t.lineno });
    }
    this.s.expect('rparen');
    return { args, defaults };
  }

  private parseCallBlock(): N.CallBlock {
    const lineno = this.s.next().lineno;
    const sig = this.tt() === 'lparen' ? this.parseSignature() : { args: [], defaults: [] };
    const call = this.parseExpression();
    if (call.type !== 'Call') this.fail('expected call', lineno);
    const body = this.parseStatements(['name:endcall'], true);
    return { type: 'CallBlock', call, ...sig, body, lineno };
  }

  private parseFilterBlock(): N.FilterBlock {
    const lineno = this.s.next().lineno;
    const filter = this.parseFilter(null, true) as N.Filter;
    const body = this.parseStatements(['name:endfilter'], true);
    return { type: 'FilterBlock', filter, body, lineno };
  }

  private parseMacro(): N.Macro {
    const lineno = this.s.next().lineno;
    const name = this.parseNameTarget();
    const sig = this.parseSignature();
    const body = this.parseStatements(['name:endmacro'], true);
    return { type: 'Macro', name, ...sig, body, lineno };
  }

  private parsePrint(): N.Output {
    const lineno = this.s.next().lineno;
    const nodes: N.Expr[] = [];
    while (this.tt() !== 'block_end') {
      if (nodes.length) this.s.expect('comma');
      nodes.push(this.parseExpression());
    }
    return { type: 'Output', nodes, lineno };
  }

  private parseSet(): N.Assign | N.AssignBlock {
    const lineno = this.s.next().lineno;
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.s.skipIf('assign')) return { type: 'Assign', target, node: this.parseTuple(), lineno };
    const filter = this.parseFilter(null) as N.Filter | null;
    const body = this.parseStatements(['name:endset'], true);
    return { type: 'AssignBlock', target, filter, body, lineno };
  }

  private parseNameTarget(): string {
    return this.s.expect('name').value as string;
  }

  private parseAssignTarget(o: { extraEndRules?: string[]; withNamespace?: boolean } = {}): N.Expr {
    let target: N.Expr;
    if (o.withNamespace && this.s.look().type === 'dot') {
      const t = this.s.expect('name');
      this.s.next();
      const attr = this.s.expect('name');
      target = { type: 'NSRef', name: t.value as string, attr: attr.value as string, lineno: t.lineno };
    } else {
      target = this.parseTuple({ simplified: true, extraEndRules: o.extraEndRules });
    }
    if (!canAssign(target)) this.fail(`can't assign to '${nodeTypeName(target)}'`, target.lineno);
    return target;
  }

  // ---- expressions

  parseExpression(withCondexpr = true): N.Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): N.Expr {
    const lineno = this.s.current.lineno;
    let expr1 = this.parseOr();
    while (this.s.skipIf('name:if')) {
      const expr2 = this.parseOr();
      const expr3 = this.s.skipIf('name:else') ? this.parseCondexpr() : null;
      expr1 = { type: 'CondExpr', test: expr2, expr1, expr2: expr3, lineno };
    }
    return expr1;
  }

  private parseOr(): N.Expr {
    const lineno = this.s.current.lineno;
    let left = this.parseAnd();
    while (this.s.skipIf('name:or')) left = { type: 'Or', left, right: this.parseAnd(), lineno };
    return left;
  }

  private parseAnd(): N.Expr {
    const lineno = this.s.current.lineno;
    let left = this.parseNot();
    while (this.s.skipIf('name:and')) left = { type: 'And', left, right: this.parseNot(), lineno };
    return left;
  }

  private parseNot(): N.Expr {
    if (this.s.test('name:not')) {
      const lineno = this.s.next().lineno;
      return { type: 'Not', node: this.parseNot(), lineno };
    }
    return this.parseCompare();
  }

  private parseCompare(): N.Expr {
    const lineno = this.s.current.lineno;
    const expr = this.parseMath1();
    const ops: N.Compare['ops'] = [];
    for (;;) {
      const tt = this.tt();
      const op = COMPARE_OPS[tt];
      if (op) {
        this.s.next();
        ops.push({ op, expr: this.parseMath1() });
      } else if (this.s.skipIf('name:in')) {
        ops.push({ op: 'in', expr: this.parseMath1() });
      } else if (this.s.test('name:not') && this.s.test('name:in', this.s.look())) {
        this.s.skip(2);
        ops.push({ op: 'notin', expr: this.parseMath1() });
      } else break;
    }
    return ops.length ? { type: 'Compare', expr, ops, lineno } : expr;
  }

  private parseMath1(): N.Expr {
    const lineno = this.s.current.lineno;
    let left = this.parseConcat();
    while (this.tt() === 'add' || this.tt() === 'sub') {
      const op = this.s.next().type === 'add' ? '+' : '-';
      left = { type: 'BinExpr', op, left, right: this.parseConcat(), lineno };
    }
    return left;
  }

  private parseConcat(): N.Expr {
    const lineno = this.s.current.lineno;
    const args = [this.parseMath2()];
    while (this.tt() === 'tilde') {
      this.s.next();
      args.push(this.parseMath2());
    }
    return args.length === 1 ? args[0] : { type: 'Concat', nodes: args, lineno };
  }

  private parseMath2(): N.Expr {
    const lineno = this.s.current.lineno;
    let left = this.parsePow();
    for (;;) {
      const tt = this.tt();
      const op = tt === 'mul' ? '*' : tt === 'div' ? '/' : tt === 'floordiv' ? '//' : tt === 'mod' ? '%' : null;
      if (!op) break;
      this.s.next();
      left = { type: 'BinExpr', op, left, right: this.parsePow(), lineno };
    }
    return left;
  }

  private parsePow(): N.Expr {
    const lineno = this.s.current.lineno;
    let left = this.parseUnary();
    while (this.tt() === 'pow') {
      this.s.next();
      left = { type: 'BinExpr', op: '**', left, right: this.parseUnary(), lineno };
    }
    return left;
  }

  private parseUnary(withFilter = true): N.Expr {
    const t = this.s.current;
    let node: N.Expr;
    if (t.type === 'sub' || t.type === 'add') {
      this.s.next();
      node = { type: 'Unary', op: t.type === 'sub' ? '-' : '+', node: this.parseUnary(false), lineno: t.lineno };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(): N.Expr {
    const t = this.s.current;
    if (t.type === 'name') {
      this.s.next();
      const v = t.value as string;
      if (v === 'true' || v === 'True') return { type: 'Const', value: true, lineno: t.lineno };
      if (v === 'false' || v === 'False') return { type: 'Const', value: false, lineno: t.lineno };
      if (v === 'none' || v === 'None') return { type: 'Const', value: null, lineno: t.lineno };
      return { type: 'Name', name: v, lineno: t.lineno };
    }
    if (t.type === 'string') {
      this.s.next();
      let v = t.value as string;
      while (this.tt() === 'string') v += this.s.next().value as string;
      return { type: 'Const', value: v, lineno: t.lineno };
    }
    if (t.type === 'integer' || t.type === 'float') {
      this.s.next();
      return { type: 'Const', value: t.value as N.Const['value'], lineno: t.lineno };
    }
    if (t.type === 'lparen') {
      this.s.next();
      const node = this.parseTuple({ explicitParentheses: true });
      this.s.expect('rparen');
      return node;
    }
    if (t.type === 'lbracket') return this.parseList();
    if (t.type === 'lbrace') return this.parseDict();
    this.fail(`unexpected '${describeToken(t)}'`, t.lineno);
  }

  parseTuple(o: { simplified?: boolean; withCondexpr?: boolean; extraEndRules?: string[]; explicitParentheses?: boolean } = {}): N.Expr {
    let lineno = this.s.current.lineno;
    const parse = o.simplified ? (): N.Expr => this.parsePrimary() : (): N.Expr => this.parseExpression(o.withCondexpr ?? true);
    const items: N.Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length) this.s.expect('comma');
      if (this.isTupleEnd(o.extraEndRules)) break;
      items.push(parse());
      if (this.tt() === 'comma') isTuple = true;
      else break;
      lineno = this.s.current.lineno;
    }
    if (!isTuple) {
      if (items.length) return items[0];
      if (!o.explicitParentheses) this.fail(`Expected an expression, got '${describeToken(this.s.current)}'`);
    }
    return { type: 'Tuple', items, lineno };
  }

  private isTupleEnd(extra?: string[]): boolean {
    const tt = this.tt();
    if (tt === 'variable_end' || tt === 'block_end' || tt === 'rparen') return true;
    return extra ? this.s.testAny(extra) : false;
  }

  private parseList(): N.ListNode {
    const t = this.s.expect('lbracket');
    const items: N.Expr[] = [];
    while (this.tt() !== 'rbracket') {
      if (items.length) this.s.expect('comma');
      if (this.tt() === 'rbracket') break;
      items.push(this.parseExpression());
    }
    this.s.expect('rbracket');
    return { type: 'List', items, lineno: t.lineno };
  }

  private parseDict(): N.DictNode {
    const t = this.s.expect('lbrace');
    const items: [N.Expr, N.Expr][] = [];
    while (this.tt() !== 'rbrace') {
      if (items.length) this.s.expect('comma');
      if (this.tt() === 'rbrace') break;
      const key = this.parseExpression();
      this.s.expect('colon');
      items.push([key, this.parseExpression()]);
    }
    this.s.expect('rbrace');
    return { type: 'Dict', items, lineno: t.lineno };
  }

  private parsePostfix(node: N.Expr): N.Expr {
    for (;;) {
      const tt = this.tt();
      if (tt === 'dot' || tt === 'lbracket') node = this.parseSubscript(node);
      else if (tt === 'lparen') node = this.parseCall(node);
      else break;
    }
    return node;
  }

  private parseFilterExpr(node: N.Expr): N.Expr {
    for (;;) {
      const tt = this.tt();
      if (tt === 'pipe') node = this.parseFilter(node)!;
      else if (tt === 'name' && this.s.current.value === 'is') node = this.parseTest(node);
      else if (tt === 'lparen') node = this.parseCall(node);
      else break;
    }
    return node;
  }

  private parseSubscript(node: N.Expr): N.Expr {
    const t = this.s.next();
    if (t.type === 'dot') {
      const a = this.s.current;
      this.s.next();
      if (a.type === 'name') return { type: 'Getattr', node, attr: a.value as string, lineno: t.lineno };
      if (a.type !== 'integer') this.fail('expected name or number', a.lineno);
      return { type: 'Getitem', node, arg: { type: 'Const', value: a.value as number, lineno: a.lineno }, lineno: t.lineno };
    }
    const args: N.Expr[] = [];
    while (this.tt() !== 'rbracket') {
      if (args.length) this.s.expect('comma');
      args.push(this.parseSubscribed());
    }
    this.s.expect('rbracket');
    const arg: N.Expr = args.length === 1 ? args[0] : { type: 'Tuple', items: args, lineno: t.lineno };
    return { type: 'Getitem', node, arg, lineno: t.lineno };
  }

  private parseSubscribed(): N.Expr {
    const lineno = this.s.current.lineno;
    const args: (N.Expr | null)[] = [];
    if (this.tt() === 'colon') {
      this.s.next();
      args.push(null);
    } else {
      const node = this.parseExpression();
      if (this.tt() !== 'colon') return node;
      this.s.next();
      args.push(node);
    }
    const tt = (): TokenType => this.tt();
    if (tt() === 'colon') args.push(null);
    else if (tt() !== 'rbracket' && tt() !== 'comma') args.push(this.parseExpression());
    else args.push(null);
    if (tt() === 'colon') {
      this.s.next();
      if (tt() !== 'rbracket' && tt() !== 'comma') args.push(this.parseExpression());
      else args.push(null);
    } else args.push(null);
    return { type: 'Slice', start: args[0]!, stop: args[1]!, step: args[2]!, lineno };
  }

  private parseCallArgs(): N.CallArgs {
    const t = this.s.expect('lparen');
    const args: N.Expr[] = [];
    const kwargs: N.Keyword[] = [];
    let dynArgs: N.Expr | null = null;
    let dynKwargs: N.Expr | null = null;
    let requireComma = false;
    const ensure = (ok: boolean): void => { if (!ok) this.fail('invalid syntax for function call expression', t.lineno); };
    while (this.tt() !== 'rparen') {
      if (requireComma) {
        this.s.expect('comma');
        if (this.tt() === 'rparen') break;
      }
      if (this.tt() === 'mul') {
        ensure(dynArgs === null && dynKwargs === null);
        this.s.next();
        dynArgs = this.parseExpression();
      } else if (this.tt() === 'pow') {
        ensure(dynKwargs === null);
        this.s.next();
        dynKwargs = this.parseExpression();
      } else if (this.tt() === 'name' && this.s.look().type === 'assign') {
        ensure(dynKwargs === null);
        const key = this.s.current.value as string;
        this.s.skip(2);
        kwargs.push({ key, value: this.parseExpression() });
      } else {
        ensure(dynArgs === null && dynKwargs === null && kwargs.length === 0);
        args.push(this.parseExpression());
      }
      requireComma = true;
    }
    this.s.expect('rparen');
    return { args, kwargs, dynArgs, dynKwargs };
  }

  private parseCall(node: N.Expr): N.Call {
    const lineno = this.s.current.lineno;
    return { type: 'Call', node, ...this.parseCallArgs(), lineno };
  }

  private parseFilter(node: N.Expr | null, startInline = false): N.Expr | null {
    while (this.tt() === 'pipe' || startInline) {
      if (!startInline) this.s.next();
      const t = this.s.expect('name');
      let name = t.value as string;
      while (this.tt() === 'dot') {
        this.s.next();
        name += '.' + (this.s.expect('name').value as string);
      }
      const a: N.CallArgs = this.tt() === 'lparen' ? this.parseCallArgs() : { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
      node = { type: 'Filter', node, name, ...a, lineno: t.lineno };
      startInline = false;
    }
    return node;
  }

  private parseTest(node: N.Expr): N.Expr {
    const t = this.s.next();
    const negated = this.s.skipIf('name:not');
    let name = this.s.expect('name').value as string;
    while (this.tt() === 'dot') {
      this.s.next();
      name += '.' + (this.s.expect('name').value as string);
    }
    let a: N.CallArgs = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const c = this.s.current;
    if (c.type === 'lparen') {
      a = this.parseCallArgs();
    } else if (
      ['name', 'string', 'integer', 'float', 'lparen', 'lbracket', 'lbrace'].includes(c.type) &&
      !this.s.testAny(['name:else', 'name:or', 'name:and'])
    ) {
      if (this.s.test('name:is')) this.fail('You cannot chain multiple tests with is');
      a.args = [this.parsePostfix(this.parsePrimary())];
    }
    const test: N.Test = { type: 'Test', node, name, ...a, lineno: t.lineno };
    return negated ? { type: 'Not', node: test, lineno: t.lineno } : test;
  }
}

function canAssign(n: N.Expr): boolean {
  if (n.type === 'Name' || n.type === 'NSRef') return !['true', 'false', 'none', 'True', 'False', 'None'].includes((n as N.Name).name);
  if (n.type === 'Tuple') return n.items.every(canAssign);
  return false;
}

function nodeTypeName(n: N.Expr): string {
  return n.type.toLowerCase();
}
