import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { problem, type Problem, type SourcePos } from '../../lib/errors.js';
import { fnmatch } from '../../lib/fnmatch.js';
import { TemplateError, type RenderContext, type TemplateRenderer } from '../render.js';
import type { ArgDecl, HighData, IdDecl, ModuleDecl } from './high.js';
import type { SlsFile, SlsSource } from './tree.js';
import { templateLineMap } from './line-map.js';
import { YamlSource } from './yaml-source.js';

/** What one run may load; refused with a problem when crossed (input from the master is bounded). */
export interface LoadLimits {
  /** State IDs in the whole run. */
  maxStates?: number;
  /** Bytes of one SLS file after rendering. */
  maxSlsBytes?: number;
}

interface ExtendDecl { id: string; modules: ModuleDecl[]; pos: SourcePos }

const YIELD_EVERY_MS = 20;

/** Resolves `.name` / `..name` includes relative to the including SLS (Salt's rule). */
export function resolveInclude(name: string, from: SlsFile): string {
  const m = /^(\.+)(.*)$/.exec(name);
  if (!m) return name.replace(/^base:/, '');
  const isInit = /(^|\/)init\.sls$/.test(from.path);
  const parts = from.sls.split('.');
  if (!isInit) parts.pop();
  for (let i = 1; i < m[1].length; i++) parts.pop();
  return [...parts, m[2]].filter((p) => p !== '').join('.');
}

/**
 * Loads SLS files into high data: render with Jinja, parse YAML keeping
 * positions, follow includes (included files first), apply extends.
 */
export class SlsLoader {
  private readonly ids = new Map<string, IdDecl>();
  private readonly visited = new Set<string>();
  private readonly order: string[] = [];
  private readonly extends: ExtendDecl[] = [];
  /** Salt's exclude: SLS names (globs) and IDs whose states leave the run. */
  private readonly excludes: { sls: string[]; ids: string[] } = { sls: [], ids: [] };
  private readonly problems: Problem[] = [];
  /** What Salt accepts without a word but a user would want to know (ignored argument items). */
  private readonly warnings: Problem[] = [];
  private index = 0;
  /** When the event loop was last given a turn (a long render must not starve the daemon's sockets). */
  private lastYield = performance.now();
  private overLimit = false;

  constructor(private readonly source: SlsSource, private readonly renderer: TemplateRenderer,
    private readonly ctx: RenderContext, private readonly limits: LoadLimits = {}) {}

  async load(names: string[]): Promise<{ high: HighData; problems: Problem[]; warnings: Problem[] }> {
    for (const n of names) await this.visit(n);
    this.applyExtends();
    this.applyExcludes();
    return { high: { ids: this.ids, sls: this.order }, problems: this.problems, warnings: this.warnings };
  }

  /** Renders and parses one file; problems are recorded and undefined returned on failure. */
  async parseFile(file: SlsFile): Promise<YamlSource | undefined> {
    const slspath = file.sls.split('.').slice(0, /init\.sls$/.test(file.path) ? undefined : -1).join('/');
    let text: string;
    try {
      text = this.renderer.render(file.text, file.path, {
        ...this.ctx, sls: file.sls, slspath, slsdotpath: slspath.replace(/\//g, '.'), tpldir: slspath,
      });
    } catch (e) {
      if (e instanceof TemplateError) {
        this.problems.push(problem('TEMPLATE', { reason: e.details.reason },
          { file: e.file ? join(this.source.root, e.file) : file.path, line: e.line || undefined, column: e.column || undefined }));
        return undefined;
      }
      throw e;
    }
    if (this.limits.maxSlsBytes !== undefined && text.length > this.limits.maxSlsBytes) {
      this.problems.push(problem('SLS_TOO_BIG', { sls: file.sls, size: Buffer.byteLength(text), max: this.limits.maxSlsBytes }, { file: file.path }));
      return undefined;
    }
    const shifted = text !== file.text && text.split('\n').length !== file.text.split('\n').length;
    const { source, problems } = YamlSource.parse(file.path, text, shifted ? templateLineMap(file.text, text) : undefined);
    this.problems.push(...problems);
    return source;
  }

  private async visit(name: string, from?: SourcePos): Promise<void> {
    if (this.visited.has(name)) return;
    this.visited.add(name);
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      this.lastYield = performance.now();
    }
    const { file, tried } = await this.source.get(name);
    if (!file) {
      this.problems.push(problem('SLS_NOT_FOUND', { sls: name, root: this.source.root, tried: tried.join(', ') }, from ?? {}));
      return;
    }
    const src = await this.parseFile(file);
    if (!src) return;
    const root = src.root;
    if (src.isNull(root)) {
      this.order.push(name);
      return; // an empty SLS is valid
    }
    if (!isMap(root)) {
      this.problems.push(problem('SLS_NOT_MAPPING', { got: src.describe(root) }, src.pos(root)));
      return;
    }
    const pairs = root.items as Pair<Node, Node>[];
    const include = pairs.find((p) => isScalar(p.key) && src.toJS(p.key) === 'include');
    if (include) {
      if (!isSeq(include.value)) {
        this.problems.push(problem('INCLUDE_FORMAT', { got: src.describe(include.value) }, src.pos(include.value ?? include.key)));
      } else {
        for (const item of include.value.items as Node[]) {
          const v = src.toJS(item);
          const target = typeof v === 'string' ? v : (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v)[0] : undefined);
          if (typeof target !== 'string') {
            this.problems.push(problem('INCLUDE_FORMAT', { got: src.describe(item) }, src.pos(item)));
            continue;
          }
          await this.visit(resolveInclude(target, file), src.pos(item));
        }
      }
    }
    this.order.push(name);
    for (const pair of pairs) {
      const key = String(src.toJS(pair.key));
      if (key === 'include') continue;
      if (key === 'extend') {
        this.collectExtends(src, pair.value);
        continue;
      }
      if (key === 'exclude') {
        this.collectExcludes(src, pair.value);
        continue;
      }
      this.addId(src, file.sls, key, pair);
    }
  }

  private addId(src: YamlSource, sls: string, id: string, pair: Pair<Node, Node>): void {
    const pos = src.pos(pair.key);
    if (this.limits.maxStates !== undefined && this.ids.size >= this.limits.maxStates) {
      if (!this.overLimit) this.problems.push(problem('TOO_MANY_STATES', { max: this.limits.maxStates }, pos));
      this.overLimit = true;
      return;
    }
    const other = this.ids.get(id);
    if (other) {
      this.problems.push(problem('ID_CONFLICT', { id, other: `${other.pos.file}:${other.pos.line}` }, { ...pos, stateId: id }));
      return;
    }
    const modules = this.parseModules(src, id, pair.value);
    if (modules) this.ids.set(id, { id, sls, pos, modules, index: this.index++ });
  }

  private parseModules(src: YamlSource, id: string, body: Node | null): ModuleDecl[] | undefined {
    // Salt's pad_funcs: `id: pkg.installed` is the short form of `id: {pkg: [installed]}`
    if (isScalar(body) && typeof body.value === 'string' && body.value.includes('.')) {
      const dot = body.value.indexOf('.');
      return [{ module: body.value.slice(0, dot), fun: body.value.slice(dot + 1), args: [], pos: src.pos(body) }];
    }
    if (!isMap(body)) {
      this.problems.push(problem('STATE_NOT_MAPPING', { id, got: src.describe(body) }, { ...src.pos(body ?? undefined), stateId: id }));
      return undefined;
    }
    const out: ModuleDecl[] = [];
    for (const pair of body.items as Pair<Node, Node>[]) {
      const key = String(src.toJS(pair.key));
      const dot = key.indexOf('.');
      const decl: ModuleDecl = {
        module: dot < 0 ? key : key.slice(0, dot),
        fun: dot < 0 ? undefined : key.slice(dot + 1),
        args: [],
        pos: src.pos(pair.key),
      };
      const v = pair.value;
      if (src.isNull(v)) { out.push(decl); continue; }
      if (!isSeq(v)) {
        this.problems.push(problem('ARG_FORMAT', { got: src.describe(v) }, { ...src.pos(v), stateId: id, field: key }));
        continue;
      }
      for (const item of v.items as Node[]) {
        const word = isScalar(item) ? src.toJS(item) : undefined;
        if (typeof word === 'string' && decl.fun === undefined) {
          decl.fun = word;
          continue;
        }
        if (typeof word === 'string' && dot < 0) {
          this.problems.push(problem('TWO_FUNCTIONS', { module: decl.module, funs: `${decl.fun}, ${word}` },
            { ...src.pos(item), stateId: id }));
          continue;
        }
        if (!isMap(item)) {
          // Salt's compile skips items that are neither a function nor a mapping
          this.warnings.push(problem('ARG_FORMAT', { got: `${src.describe(item)}; Salt ignores it` }, { ...src.pos(item), stateId: id, field: key }));
          continue;
        }
        const pairs = item.items as Pair<Node, Node>[];
        const first = pairs[0] ? String(src.toJS(pairs[0].key)) : '';
        if (pairs.length === 0 || (pairs.length > 1 && REQUISITE_KEY.test(first))) {
          // Salt: "Multiple dictionaries defined in argument" (only for requisites; other keys all become arguments)
          this.problems.push(problem('ARG_FORMAT', { got: src.describe(item) }, { ...src.pos(item), stateId: id, field: key }));
          continue;
        }
        for (const argPair of pairs) {
          const value = argPair.value;
          decl.args.push({
            key: String(src.toJS(argPair.key)),
            value: src.toJS(value),
            pos: src.pos(argPair.key),
            itemPos: isSeq(value) ? (value.items as Node[]).map((n) => src.pos(n)) : [],
          });
        }
      }
      out.push(decl);
    }
    return out;
  }

  private collectExtends(src: YamlSource, body: Node | null): void {
    if (!isMap(body)) {
      this.problems.push(problem('STATE_NOT_MAPPING', { id: 'extend', got: src.describe(body) }, src.pos(body ?? undefined)));
      return;
    }
    for (const pair of body.items as Pair<Node, Node>[]) {
      const id = String(src.toJS(pair.key));
      const modules = this.parseModules(src, id, pair.value);
      if (modules) this.extends.push({ id, modules, pos: src.pos(pair.key) });
    }
  }

  /** The ID an extend names: that ID, else the one ID whose state of the extended module has an argument of that value (Salt's find_name). */
  private extendTarget(ext: ExtendDecl): IdDecl | undefined {
    const byId = this.ids.get(ext.id);
    const module = ext.modules[0]?.module;
    if (byId || !module) return byId;
    const found = findByValue(this.ids, module, ext.id);
    return found.length === 1 ? found[0] : undefined;
  }

  /** `exclude: [- sls: name, - id: ID, - name]` (a bare name is an SLS), as Salt's apply_exclude reads it. */
  private collectExcludes(src: YamlSource, body: Node | null): void {
    const v = src.toJS(body);
    if (!Array.isArray(v)) {
      this.problems.push(problem('INCLUDE_FORMAT', { got: src.describe(body) }, src.pos(body ?? undefined)));
      return;
    }
    for (const e of v) {
      if (typeof e === 'string') this.excludes.sls.push(e);
      else if (e && typeof e === 'object' && !Array.isArray(e) && Object.keys(e).length === 1) {
        const [k, t] = Object.entries(e)[0];
        if (k === 'sls') this.excludes.sls.push(String(t));
        else if (k === 'id') this.excludes.ids.push(String(t));
      }
    }
  }

  private applyExcludes(): void {
    for (const [id, d] of this.ids) {
      if (this.excludes.ids.includes(id) || this.excludes.sls.some((p) => fnmatch(d.sls, p))) this.ids.delete(id);
    }
  }

  /** Salt's extend: requisite lists are appended, other arguments replaced, new functions added. */
  private applyExtends(): void {
    for (const ext of this.extends) {
      const target = this.extendTarget(ext);
      if (!target) {
        this.problems.push(problem('EXTEND_MISSING', { id: ext.id }, { ...ext.pos, stateId: ext.id }));
        continue;
      }
      for (const em of ext.modules) {
        const tm = target.modules.find((m) => m.module === em.module);
        if (!tm) { target.modules.push(em); continue; }
        if (em.fun) tm.fun = em.fun;
        for (const arg of em.args) mergeArg(tm.args, arg);
      }
    }
  }
}

/** Salt's find_name: the ID itself, else the one ID whose state of that module has an argument of that value. */
function findByValue(ids: Map<string, IdDecl>, module: string, value: string): IdDecl[] {
  return [...ids.values()].filter((d) => d.modules.some((m) => m.module === module
    && m.args.some((a) => (typeof a.value === 'string' || typeof a.value === 'number') && String(a.value) === value)));
}

const REQUISITE_KEY = /^(require|require_any|watch|watch_any|onchanges|onchanges_any|onfail|onfail_any|onfail_all|onfail_stop|prereq|listen|use)$/;

const LIST_MERGED = /^(require|watch|onchanges|onfail|prereq|use|listen)(_in|_any|_all)?$/;

function mergeArg(args: ArgDecl[], arg: ArgDecl): void {
  if (arg.key === 'name') {
    // an extend's name replaces the target's names (Salt)
    const names = args.findIndex((a) => a.key === 'names');
    if (names >= 0) args.splice(names, 1);
  }
  // Salt's reconcile_extend extends (requisites) or replaces (others) every item with that key
  let found = false;
  args.forEach((cur, i) => {
    if (cur.key !== arg.key) return;
    found = true;
    if (LIST_MERGED.test(arg.key) && Array.isArray(cur.value) && Array.isArray(arg.value)) {
      args[i] = { ...cur, value: [...cur.value, ...arg.value], itemPos: [...cur.itemPos, ...arg.itemPos] };
    } else {
      args[i] = arg;
    }
  });
  if (!found) args.push(arg);
}
