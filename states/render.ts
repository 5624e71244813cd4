import nunjucks from 'nunjucks';
import { stringify as yamlStringify } from 'yaml';
import { UmecError } from '../lib/errors.js';

let jinjaCompatInstalled = false;

/** Template error with the position nunjucks reported (1-based; 0 when unknown). */
export class TemplateError extends UmecError {
  readonly line: number;
  readonly column: number;
  constructor(reason: string, line: number, column: number) {
    super('TEMPLATE', { reason });
    this.line = line;
    this.column = column;
  }
}

/** Salt's `salt['pillar.get']('a:b', default)` style lookup. */
export function traverse(data: unknown, key: string, dflt: unknown = '', delimiter = ':'): unknown {
  let cur: unknown = data;
  for (const part of String(key).split(delimiter)) {
    if (cur === null || typeof cur !== 'object') return dflt;
    if (Array.isArray(cur)) {
      const i = Number(part);
      if (!Number.isInteger(i) || i >= cur.length) return dflt;
      cur = cur[i];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return dflt;
      cur = (cur as Record<string, unknown>)[part];
    }
  }
  return cur === undefined ? dflt : cur;
}

export interface RenderContext {
  grains: Record<string, unknown>;
  pillar: Record<string, unknown>;
  opts: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Jinja-compatible rendering (nunjucks) with Salt's context: grains, pillar,
 * opts and the `salt` function table subset that states commonly use.
 */
export class TemplateRenderer {
  private readonly env: nunjucks.Environment;

  constructor(searchRoot?: string) {
    if (!jinjaCompatInstalled) {
      // Adds Python-style dict/list methods (items(), get(), ...) and True/False/None.
      nunjucks.installJinjaCompat();
      jinjaCompatInstalled = true;
    }
    const loader = searchRoot ? new nunjucks.FileSystemLoader(searchRoot, { noCache: false }) : null;
    this.env = new nunjucks.Environment(loader, { autoescape: false, throwOnUndefined: false });
    this.env.addFilter('json', (v: unknown) => JSON.stringify(v));
    this.env.addFilter('tojson', (v: unknown) => JSON.stringify(v));
    this.env.addFilter('yaml', (v: unknown, flow = true) =>
      yamlStringify(v, flow ? { collectionStyle: 'flow' } : {}).trimEnd());
    this.env.addFilter('quote', (v: unknown) => `'${String(v).replace(/'/g, `'\\''`)}'`);
    this.env.addFilter('regex_replace', (v: unknown, pat: string, rep: string) =>
      String(v).replace(new RegExp(pat, 'g'), rep));
  }

  /** True when the text has no template syntax, so rendering can be skipped. */
  static isPlain(src: string): boolean {
    return !/\{[{%#]/.test(src);
  }

  render(src: string, name: string, ctx: RenderContext): string {
    if (TemplateRenderer.isPlain(src)) return src;
    const full = {
      ...ctx,
      salt: saltFunctions(ctx),
    };
    try {
      return this.env.renderString(src, full) as string;
    } catch (e) {
      const err = e as Error & { lineno?: number; colno?: number };
      const reason = String(err.message ?? err)
        .replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '')
        .replace(/^Template render error:\s*/, '')
        .replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '')
        .replace(/\s+/g, ' ').trim();
      const m = /\[Line (\d+), Column (\d+)\]/.exec(String(err.message));
      const found = m ? { line: Number(m[1]), column: Number(m[2]) } : locate(src, reason);
      throw new TemplateError(reason, err.lineno ?? found.line, err.colno ?? found.column);
    }
  }
}

/**
 * nunjucks reports no position for some errors (unknown filter, unclosed block);
 * find the spot in the source they are about.
 */
function locate(src: string, reason: string): { line: number; column: number } {
  const lines = src.split('\n');
  let re: RegExp | undefined;
  const filter = /filter not found: (\w+)/.exec(reason);
  const block = /^parse(\w+): .*end of file/i.exec(reason);
  if (filter) re = new RegExp(`\\|\\s*${filter[1]}\\b`);
  else if (block) re = new RegExp(`\\{%-?\\s*${block[1]!.toLowerCase()}\\b`);
  if (!re) return { line: 0, column: 0 };
  for (let i = lines.length - 1; i >= 0; i--) {
    const col = lines[i]!.search(re);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  return { line: 0, column: 0 };
}

function saltFunctions(ctx: RenderContext): Record<string, (...a: unknown[]) => unknown> {
  return {
    'pillar.get': (k, d) => traverse(ctx.pillar, String(k), d ?? ''),
    'grains.get': (k, d) => traverse(ctx.grains, String(k), d ?? ''),
    'config.get': (k, d) => {
      const fromOpts = traverse(ctx.opts, String(k), undefined);
      if (fromOpts !== undefined) return fromOpts;
      return traverse(ctx.pillar, String(k), d ?? '');
    },
    'test.true': () => true,
  };
}
