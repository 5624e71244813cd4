import nunjucks from 'nunjucks';
import { stringify as yamlStringify } from 'yaml';
import { UmecError } from '../lib/errors.js';
import { addSaltTags, dropTrailingCommas, saltFunctions } from './jinja-salt.js';
import { traverse, type RenderContext } from './render-context.js';

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

export { traverse, type RenderContext };

/** Imported/included templates get the same Jinja-compatibility fix-ups as SLS files. */
class SaltFileLoader extends nunjucks.FileSystemLoader {
  getSource(name: string): nunjucks.LoaderSource {
    const s = super.getSource(name);
    if (s) s.src = dropTrailingCommas(s.src);
    return s;
  }
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
    const loader = searchRoot ? new SaltFileLoader(searchRoot, { noCache: false }) : null;
    this.env = new nunjucks.Environment(loader, { autoescape: false, throwOnUndefined: false });
    addSaltTags(this.env);
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
      return this.env.renderString(dropTrailingCommas(src), full) as string;
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
