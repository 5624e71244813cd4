import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { UmecError } from '../lib/errors.js';
import { Environment, JinjaError, toPy, type TemplateLoader, type Value } from './jinja/index.js';
import { saltFilters, saltGlobals, saltTests } from './salt/filters.js';
import type { SaltDeps } from './salt/functions/deps.js';
import { parseJson } from './salt/functions/merge-fns.js';
import { SaltFunctions } from './salt/functions/salt-object.js';
import { slsContext } from './salt/sls-context.js';
import { loadSaltYaml, loadSaltYamlForTemplate, OrderedDict } from './salt/yaml-load.js';
import { traverse, type RenderContext } from './render-context.js';
import { resolveInTree, TreeEscapeError } from './tree-path.js';

/** Template error with the template it is in (an imported one when it is there) and its position (1-based; 0 when unknown). */
export class TemplateError extends UmecError {
  readonly line: number;
  readonly column: number;
  /** The template file the error is in, relative to the state root, when it is not the file being rendered. */
  readonly file?: string;
  constructor(reason: string, line: number, column: number, file?: string) {
    super('TEMPLATE', { reason });
    this.line = line;
    this.column = column;
    this.file = file;
  }
}

export { traverse, type RenderContext };

/** The engine gives lines only; for an unknown filter or test the column of its name on that line helps. */
function column(src: string, e: JinjaError): number {
  const m = /No (?:filter|test) named '([^']+)'/.exec(e.message);
  if (!m || !e.lineno) return 0;
  const line = src.split('\n')[e.lineno - 1] ?? '';
  const i = line.search(new RegExp(`(\\||\\bis(\\s+not)?)\\s*${m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
  return i < 0 ? 0 : line.indexOf(m[1], i) + 1;
}

/** What the salt functions may ask of the machine (box side); see states/salt/functions/deps.ts. */
export type TemplateDeps = Omit<SaltDeps, 'grains' | 'pillar' | 'opts' | 'render' | 'readFile'>;

/** Pillar as Salt's renderer built it: mappings are OrderedDicts (the `yaml` filter keeps their order). */
function ordered(v: unknown): Value {
  if (Array.isArray(v)) return v.map(ordered);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const m = new OrderedDict();
    for (const [k, x] of Object.entries(v)) m.set(k, ordered(x));
    return m;
  }
  return toPy(v);
}

/** Every file and directory under the state root, relative to it (Salt's fileserver lists; symlinks followed). */
function listTree(root: string): { files: string[]; dirs: string[] } {
  const out = { files: [] as string[], dirs: [] as string[] };
  const walk = (rel: string, depth: number) => {
    out.dirs.push(rel || '.');
    if (depth > 64) return;
    let entries: string[];
    try { entries = readdirSync(join(root, rel)); } catch { return; }
    for (const name of entries) {
      const path = rel ? `${rel}/${name}` : name;
      let st;
      try { st = statSync(join(root, path)); } catch { continue; }
      if (st.isDirectory()) walk(path, depth + 1);
      else out.files.push(path);
    }
  };
  walk('', 0);
  return out;
}

/**
 * Salt's SaltCacheLoader over a state root: names are relative to the root, `./x` and `../x`
 * relative to the importing template, `..` may not leave the root; loading a template sets
 * tplfile/tpldir/tpldot for the rest of the render as Salt does.
 */
class SaltFileLoader implements TemplateLoader {
  constructor(private readonly root: string | undefined, private readonly topDir: string) {}

  getSource(name: string, parent?: string): { source: string; filename: string; globals: Record<string, Value> } | undefined {
    if (!this.root) return undefined;
    const relative = name.split('/', 1)[0] === '.' || name.split('/', 1)[0] === '..';
    let path = name;
    if (relative) {
      const base = parent ? parent.split('/').slice(0, -1).join('/') : this.topDir;
      path = normalize(`${base || '.'}/${name}`);
      if (path === '..' || path.startsWith('../')) return undefined; // Salt: "attempts to ascend outside of salt://"
    } else if (name.split('/').includes('..')) return undefined;
    path = path.replace(/^\.\//, '').replace(/^salt:\/\//, '');
    let source: string;
    try {
      // whole path components, and symlinks resolved: nothing outside the tree is read
      const real = resolveInTree(this.root, path);
      if (real === undefined) return undefined;
      source = readFileSync(real, 'utf8');
    } catch (e) {
      if (e instanceof TreeEscapeError) throw new JinjaError('TemplateNotFound', e.message);
      return undefined;
    }
    const tpldir = relative ? this.topDir : path.split('/').slice(0, -1).join('/');
    return { source, filename: path, globals: { tplfile: relative ? name : path, tpldir: tpldir || '.', tpldot: tpldir.replace(/\//g, '.') } };
  }
}

/**
 * Salt's Jinja renderer (salt.utils.templates.render_jinja_tmpl) on umec's Jinja2 engine:
 * StrictUndefined, do and loop controls, Salt's filters/tests/globals, the context (salt, grains,
 * pillar, opts, saltenv, sls, tpldir, ...) as globals so templates imported without context see
 * it too, and the final newline Jinja drops put back.
 */
export class TemplateRenderer {
  private tree?: { files: string[]; dirs: string[] };

  constructor(private readonly searchRoot?: string, private readonly deps: TemplateDeps = {}) {}

  /** True when the text has no template syntax, so rendering can be skipped. */
  static isPlain(src: string): boolean {
    return !/\{[{%#]/.test(src);
  }

  render(src: string, name: string, ctx: RenderContext): string {
    if (TemplateRenderer.isPlain(src)) return src;
    const grains = toPy(ctx.grains) as Map<Value, Value>;
    const pillar = ordered(ctx.pillar) as Map<Value, Value>;
    const opts = toPy(ctx.opts) as Map<Value, Value>;
    const sls = typeof ctx.sls === 'string' ? ctx.sls : undefined;
    const tplCtx = slsContext(name, sls, this.searchRoot);
    const globals: Record<string, Value> = { ...saltGlobals };
    for (const [k, v] of Object.entries(ctx)) if (!['grains', 'pillar', 'opts'].includes(k)) globals[k] = toPy(v);
    Object.assign(globals, tplCtx, { grains, pillar, opts, saltenv: toPy(ctx.saltenv ?? ctx.opts.saltenv ?? 'base') });
    const env = new Environment({
      loader: new SaltFileLoader(this.searchRoot, String(tplCtx.tpldir === '.' ? '' : tplCtx.tpldir)),
      filters: saltFilters,
      tests: saltTests,
      globals,
      dataParsers: { yaml: (text, filename) => loadSaltYamlForTemplate(text, filename), json: (text) => parseJson(text), text: (text) => text },
    });
    globals.salt = new SaltFunctions({
      ...this.deps, grains, pillar, opts,
      render: (text, renderer) => this.renderPipe(text, renderer, ctx),
      ...(this.searchRoot ? { stateTree: () => (this.tree ??= listTree(this.searchRoot!)) } : {}),
      readFile: (path) => {
        if (!this.searchRoot) throw new JinjaError('NotProvided', 'slsutil.renderer path= without a state root is not provided');
        let real: string | undefined;
        try {
          real = resolveInTree(this.searchRoot, path.replace(/^salt:\/\//, ''));
        } catch (e) {
          if (e instanceof TreeEscapeError) throw new JinjaError('TemplateNotFound', e.message);
          throw e;
        }
        if (real === undefined) throw new JinjaError('TemplateNotFound', `${path} is not in the state tree`);
        return readFileSync(real, 'utf8');
      },
    });
    env.globals.set('salt', globals.salt);
    let out: string;
    try {
      out = env.fromString(src, name).render(globals);
    } catch (e) {
      if (!(e instanceof JinjaError)) throw e;
      const inOther = e.filename !== undefined && e.filename !== name ? e.filename : undefined;
      throw new TemplateError(`${e.kind === 'NotProvided' ? '' : `${e.kind}: `}${e.message}`, e.lineno ?? 0, inOther ? 0 : column(src, e), inOther);
    }
    // Salt: "Workaround a bug in Jinja that removes the final newline"
    return src.endsWith('\n') ? `${out}\n` : out;
  }

  /** slsutil.renderer's pipes: jinja|yaml (the default), jinja, yaml. */
  private renderPipe(text: string, renderer: string, ctx: RenderContext): Value {
    let data: Value = text;
    for (const step of renderer.split('|').map((s) => s.trim())) {
      if (step === 'jinja') data = this.render(String(data), '<slsutil.renderer>', ctx);
      else if (step === 'yaml') data = loadSaltYaml(String(data), { ordered: true });
      else throw new JinjaError('NotProvided', `renderer ${step} is not provided (jinja, yaml are)`);
    }
    return data;
  }
}
