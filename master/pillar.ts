import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { problem, type Problem } from '../lib/errors.js';
import { TemplateRenderer, type RenderContext } from '../states/render.js';
import { resolveInclude, SlsLoader } from '../states/sls/loader.js';
import { LocalSlsSource } from '../states/sls/tree.js';
import type { YamlSource } from '../states/sls/yaml-source.js';
import { highstateSls } from '../states/top.js';

type Data = Record<string, unknown>;

const isObj = (v: unknown): v is Data => !!v && typeof v === 'object' && !Array.isArray(v);

/** Salt's pillar merge (strategy smart = recurse): nested mappings merged, anything else replaced by the later value. */
function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b === undefined ? a : b;
  const out: Data = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** State of one compile: files are re-read on every compile so pillar edits show up. */
class PillarRun {
  readonly errors: Problem[] = [];
  pillar: Data = {};
  private readonly source: LocalSlsSource;
  private readonly renderer: TemplateRenderer;
  private readonly visited = new Set<string>();

  constructor(root: string, private readonly id: string, private readonly grains: Data) {
    this.source = new LocalSlsSource(root);
    this.renderer = new TemplateRenderer(this.source.root);
  }

  async run(): Promise<void> {
    const top = await this.source.getPath('top.sls');
    if (!top) return;
    const loader = this.loader();
    // the top file sees no pillar: it is what decides the pillar
    const { sls, problems } = await highstateSls(top, loader, { id: this.id, grains: this.grains, pillar: {} });
    this.errors.push(...(await loader.load([])).problems, ...problems);
    for (const name of sls) {
      const data = await this.render(name);
      if (data) this.pillar = deepMerge(this.pillar, data) as Data;
    }
  }

  /**
   * One pillar SLS with its includes merged in (included first, so the including
   * file wins). As in Salt, a file already rendered is skipped only when included
   * again, not when top.sls names it.
   */
  private async render(name: string, from?: { src: YamlSource; node: Node }): Promise<Data | undefined> {
    if (from && this.visited.has(name)) return undefined;
    this.visited.add(name);
    const { file, tried } = await this.source.get(name);
    if (!file) {
      this.errors.push(problem('SLS_NOT_FOUND', { sls: name, root: this.source.root, tried: tried.join(', ') },
        from ? from.src.pos(from.node) : {}));
      return undefined;
    }
    const loader = this.loader();
    const src = await loader.parseFile(file);
    this.errors.push(...(await loader.load([])).problems);
    if (!src) return undefined;
    const root = src.root;
    if (src.isNull(root)) return {};
    if (!isMap(root)) {
      this.errors.push(problem('SLS_NOT_MAPPING', { got: src.describe(root) }, src.pos(root)));
      return undefined;
    }
    const data = src.toJS(root) as Data;
    const include = (root.items as Pair<Node, Node>[]).find((p) => isScalar(p.key) && src.toJS(p.key) === 'include');
    if (!include) return data;
    delete data.include;
    if (!isSeq(include.value)) {
      this.errors.push(problem('INCLUDE_FORMAT', { got: src.describe(include.value) }, src.pos(include.value ?? include.key)));
      return data;
    }
    let merged: Data = {};
    for (const node of include.value.items as Node[]) {
      const inc = src.toJS(node);
      // `- name`, or Salt's `- name: {key: a:b}` which nests the included data under a:b
      const target = typeof inc === 'string' ? inc : isObj(inc) && Object.keys(inc).length === 1 ? Object.keys(inc)[0] : undefined;
      if (target === undefined) {
        this.errors.push(problem('INCLUDE_FORMAT', { got: src.describe(node) }, src.pos(node)));
        continue;
      }
      let sub = await this.render(resolveInclude(target, file), { src, node });
      const key = isObj(inc) && isObj(inc[target]) ? inc[target].key : undefined;
      if (sub && typeof key === 'string') for (const k of key.split(':').reverse()) sub = { [k]: sub };
      if (sub) merged = deepMerge(merged, sub) as Data;
    }
    return deepMerge(merged, data) as Data;
  }

  private loader(): SlsLoader {
    const ctx: RenderContext = { grains: this.grains, pillar: this.pillar, opts: { id: this.id } };
    return new SlsLoader(this.source, this.renderer, ctx);
  }
}

/** Salt pillar compiled on the master for one agent at a time. */
export class PillarCompiler {
  constructor(private readonly root: string) {}

  /** Problems in pillar files go into `errors` (never into the pillar as Salt's `_errors`); a broken file contributes nothing. */
  async compile(id: string, grains: Record<string, unknown>): Promise<{ pillar: Record<string, unknown>; errors: Problem[] }> {
    const run = new PillarRun(this.root, id, grains);
    await run.run();
    return { pillar: run.pillar, errors: run.errors };
  }
}
