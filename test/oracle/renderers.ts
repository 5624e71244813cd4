/**
 * Renders a corpus case with umec's Jinja2 engine (states/jinja/index.ts, the API of
 * JINJA.md) or, for the report's comparison, with the nunjucks renderer umec used before it.
 * Both are loaded dynamically so the harness builds on a branch where one of them is absent.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fromPy, type Value } from '../../states/jinja/values.js';
import { caseLoader, type Case, type Outcome } from './corpus.js';

interface Template { render(ctx: Record<string, Value>): unknown }
interface Environment { getTemplate(name: string): Template }
export interface Engine {
  Environment: new (o: Record<string, unknown>) => Environment;
}

/** The engine module, or why there is none (every case then differs with that reason). */
export async function loadEngine(): Promise<Engine | string> {
  const url = new URL('../../states/jinja/index.js', import.meta.url).href;
  try {
    const mod = (await import(url)) as Partial<Engine>;
    if (typeof mod.Environment !== 'function') return 'states/jinja/index.ts exports no Environment';
    return mod as Engine;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('states/jinja/index.js')) {
      return 'umec\'s Jinja2 engine (states/jinja/index.ts) is not on this branch yet';
    }
    return `states/jinja/index.ts failed to load: ${err.stack ?? String(err)}`;
  }
}

function failure(e: unknown): Outcome {
  const err = e as Error & { kind?: unknown; filename?: string; lineno?: number };
  if (err instanceof Error && typeof err.kind === 'string') {
    return { error: err.name, kind: err.kind, message: err.message, where: { filename: err.filename, lineno: err.lineno } };
  }
  return { crash: err instanceof Error ? (err.stack ?? err.message) : String(e) };
}

/** The environment a case asks for, configured as Salt configures Jinja2. */
export function caseEnvironment(engine: Engine, c: Case): { env: Environment; ctx: Record<string, Value> } {
  const ctx = Object.fromEntries(c.context) as Record<string, Value>;
  const env = new engine.Environment({
    loader: caseLoader(c.files),
    strictUndefined: true,
    trimBlocks: c.options.includes('trim_blocks'),
    lstripBlocks: c.options.includes('lstrip_blocks'),
    keepTrailingNewline: c.options.includes('keep_trailing_newline'),
    // Salt's way: the context is also every template's globals (imports without context see it)
    ...(c.options.includes('globals') ? { globals: ctx } : {}),
  });
  return { env, ctx };
}

export function renderUmec(engine: Engine | string, c: Case): Outcome {
  if (typeof engine === 'string') return { crash: engine };
  try {
    const { env, ctx } = caseEnvironment(engine, c);
    const out = env.getTemplate('main.jinja').render(ctx);
    if (typeof out !== 'string') return { crash: `render returned ${typeof out}, not a string` };
    return { out };
  } catch (e) {
    return failure(e);
  }
}

interface OldRenderer { render(src: string, name: string, ctx: Record<string, unknown>): string }

/**
 * The nunjucks renderer (states/render.ts before the engine replaced it), for the report only.
 * Jinja2 drops one final newline, which nunjucks keeps and umec's old pipeline never cared
 * about (YAML came next), so one trailing newline is dropped here to compare templates fairly.
 */
export async function loadNunjucks(): Promise<((c: Case) => Outcome) | string> {
  let mod: { TemplateRenderer?: new (root?: string) => OldRenderer };
  try {
    mod = (await import(new URL('../../states/render.js', import.meta.url).href)) as typeof mod;
  } catch (e) {
    return `states/render.ts failed to load: ${(e as Error).message}`;
  }
  const Renderer = mod.TemplateRenderer;
  if (typeof Renderer !== 'function') return 'states/render.ts has no TemplateRenderer (the nunjucks renderer is gone)';
  return (c: Case) => {
    const root = mkdtempSync(join(tmpdir(), 'umec-nunjucks-'));
    try {
      for (const [rel, text] of Object.entries(c.files)) {
        mkdirSync(dirname(join(root, rel)), { recursive: true });
        writeFileSync(join(root, rel), text);
      }
      const ctx = { grains: {}, pillar: {}, opts: {}, ...(fromPy(new Map(c.context)) as Record<string, unknown>) };
      let out = new Renderer(root).render(c.files['main.jinja'], 'main.jinja', ctx);
      if (typeof out !== 'string') return { crash: `render returned ${typeof out}` };
      if (!c.options.includes('keep_trailing_newline') && out.endsWith('\n')) out = out.slice(0, -1);
      return { out };
    } catch (e) {
      // any error counts as "failed where Jinja2 failed": nunjucks has no Python exception kinds
      const msg = (e as Error).message ?? String(e);
      return { error: 'Error', kind: '*', message: msg };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}
