import nunjucks from 'nunjucks';
import { parse as yamlParse } from 'yaml';
import { traverse, type RenderContext } from './render-context.js';

type Fn = (...a: unknown[]) => unknown;

/** nunjucks passes Python-style keyword arguments as a trailing object marked __keywords. */
function splitKwargs(args: unknown[]): { pos: unknown[]; kw: Record<string, unknown> } {
  const last = args[args.length - 1] as Record<string, unknown> | undefined;
  if (last && typeof last === 'object' && last.__keywords === true) {
    const { __keywords: _k, ...kw } = last;
    return { pos: args.slice(0, -1), kw };
  }
  return { pos: args, kw: {} };
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Salt's recursive dict merge (later wins; nested mappings merged, other values replaced). */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** Salt's grains.filter_by(lookup_dict, grain='os_family', merge=None, default='default', base=None). */
function filterBy(ctx: RenderContext, args: unknown[]): unknown {
  const { pos, kw } = splitKwargs(args);
  const [lookup, grainArg, mergeArg, defaultArg, baseArg] = pos;
  const grain = String(kw.grain ?? grainArg ?? 'os_family');
  const dflt = String(kw.default ?? defaultArg ?? 'default');
  const base = kw.base ?? baseArg;
  const merge = kw.merge ?? mergeArg;
  if (!isObj(lookup)) return undefined;
  const value = traverse(ctx.grains, grain, undefined);
  const keys = Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];
  const key = keys.find((k) => k in lookup) ?? dflt;
  let ret = lookup[key];
  if (base !== undefined && isObj(lookup[String(base)])) ret = deepMerge(lookup[String(base)], ret);
  if (isObj(merge)) ret = deepMerge(ret, merge);
  return ret ?? null;
}

/** The subset of Salt's execution functions that SLS templates commonly call. */
export function saltFunctions(ctx: RenderContext): Record<string, Fn> {
  const getter = (data: Record<string, unknown>): Fn => (...args) => {
    const { pos, kw } = splitKwargs(args);
    return traverse(data, String(pos[0]), kw.default ?? pos[1] ?? '', String(kw.delimiter ?? ':'));
  };
  return {
    'pillar.get': getter(ctx.pillar),
    'grains.get': getter(ctx.grains),
    'config.get': (...args) => {
      const key = String(splitKwargs(args).pos[0]);
      const fromOpts = traverse(ctx.opts, key, undefined);
      return fromOpts !== undefined ? fromOpts : getter(ctx.pillar)(...args);
    },
    'grains.filter_by': (...args) => filterBy(ctx, args),
    'slsutil.merge': (a, b) => deepMerge(a, b),
    'defaults.merge': (a, b) => deepMerge(a, b),
    'test.true': () => true,
  };
}

type Loader = 'yaml' | 'json';

/** Sets a template variable that `{% from 'map.jinja' import name %}` can import too. */
function bind(context: { setVariable(n: string, v: unknown): void; addExport(n: string): void }, name: string, value: unknown): void {
  context.setVariable(name, value);
  context.addExport(name);
}
const parseAs = (kind: Loader, text: string): unknown => (kind === 'yaml' ? yamlParse(text) : JSON.parse(text));

/**
 * Salt's Jinja tags: `{% import_yaml 'x.yaml' as x %}`, `{% import_json ... %}`
 * (the file is rendered as a template first, like Salt), and the block forms
 * `{% load_yaml as x %}...{% endload %}` / `{% load_json as x %}`.
 */
/**
 * Jinja accepts a trailing comma in list and dict literals (`{'a': 1,}`), which
 * Salt formulas use a lot and nunjucks rejects; drop such commas inside tags.
 * Only characters are removed from inside a line, so line numbers stay true.
 */
export function dropTrailingCommas(src: string): string {
  return src.replace(/\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}/g, (tag) => tag.replace(/,(\s*[}\]])/g, '$1'));
}

export function addSaltTags(env: nunjucks.Environment): void {
  const importTag = (kind: Loader) => ({
    tags: [`import_${kind}`],
    parse(parser: any, nodes: any) {
      const tok = parser.nextToken();
      const path = parser.parseExpression();
      parser.skipSymbol('as');
      const target = parser.parsePrimary();
      parser.advanceAfterBlockEnd(tok.value);
      const args = new nodes.NodeList(tok.lineno, tok.colno, [path, new nodes.Literal(tok.lineno, tok.colno, target.value)]);
      return new nodes.CallExtension(this, 'run', args);
    },
    run(context: any, path: string, name: string) {
      bind(context, name, parseAs(kind, env.render(path, context.getVariables())));
      return '';
    },
  });
  const loadTag = (kind: Loader) => ({
    tags: [`load_${kind}`],
    parse(parser: any, nodes: any) {
      const tok = parser.nextToken();
      parser.skipSymbol('as');
      const target = parser.parsePrimary();
      parser.advanceAfterBlockEnd(tok.value);
      const body = parser.parseUntilBlocks('endload');
      parser.advanceAfterBlockEnd();
      const args = new nodes.NodeList(tok.lineno, tok.colno, [new nodes.Literal(tok.lineno, tok.colno, target.value)]);
      return new nodes.CallExtension(this, 'run', args, [body]);
    },
    run(context: any, name: string, body: () => string) {
      bind(context, name, parseAs(kind, body()));
      return '';
    },
  });
  // Jinja's `do` extension, which Salt enables: evaluate for side effects, print nothing
  env.addExtension('Do', <nunjucks.Extension & { run(): string }>{
    tags: ['do'],
    parse(parser: any, nodes: any) {
      const tok = parser.nextToken();
      const expr = parser.parseExpression();
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension(this, 'run', new nodes.NodeList(tok.lineno, tok.colno, [expr]));
    },
    run() { return ''; },
  });
  env.addExtension('ImportYaml', importTag('yaml'));
  env.addExtension('ImportJson', importTag('json'));
  env.addExtension('LoadYaml', loadTag('yaml'));
  env.addExtension('LoadJson', loadTag('json'));
}
