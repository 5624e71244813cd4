import { CompileError, problem, type Problem } from '../lib/errors.js';
import { compile, type Plan } from './compile.js';
import { Executor } from './executor.js';
import { LocalFileClient } from './file-client.js';
import { StateRegistry } from './registry.js';
import { TemplateRenderer, type RenderContext, type TemplateDeps } from './render.js';
import { SlsLoader, type LoadLimits } from './sls/loader.js';
import type { SlsSource } from './sls/tree.js';
import { highstateSls } from './top.js';
import type { Drivers, FileClient, LowChunk, RunResults, StateContext, StateModule } from './types.js';

export interface RunRequest {
  source: SlsSource;
  /** SLS names to apply; empty or absent: the highstate from top.sls. */
  sls?: string[];
  grains: Record<string, unknown>;
  pillar: Record<string, unknown>;
  opts?: Record<string, unknown>;
  env?: string;
  /**
   * Set only when the state tree cannot change under this key (a tree stored by
   * content hash): the compiled plan for the same tree, SLS, grains and pillar
   * is then reused instead of rendered and validated again.
   */
  immutableTree?: boolean;
}

export interface ApplyRequest extends RunRequest {
  test?: boolean;
  failhard?: boolean;
  /** Aborting stops the run between two states (the one running finishes); apply then throws JOB_INTERRUPTED. */
  signal?: AbortSignal;
  /** Called before each state runs: what a job journal records as the state reached. */
  onState?: (chunk: LowChunk, index: number, total: number) => void;
}

export interface EngineDeps {
  modules: StateModule[];
  drivers: Drivers;
  /** umec:// files; defaults to the request's local state tree. */
  files?: FileClient;
  /** What salt functions in templates may ask of the machine (cmd.run, user.info, ...): given on the box only. */
  templateDeps?: TemplateDeps;
  /** Bounds on what one run may load (agent.yaml max_states, max_sls_bytes). */
  limits?: LoadLimits;
}

/**
 * The one executor: renders and compiles SLS into a plan, then runs it. Local
 * apply, the agent and the SSH roster all call this.
 */
export class StateEngine {
  readonly registry: StateRegistry;
  private readonly plans = new Map<string, Plan>();

  constructor(private readonly deps: EngineDeps) {
    this.registry = new StateRegistry(deps.modules);
  }

  /**
   * Render, validate and order; throws CompileError listing every problem Salt would refuse too.
   * What Salt compiles but cannot run (unknown state functions, bad arguments) is in plan.warnings
   * and fails its chunk at apply. Nothing runs.
   */
  async plan(req: RunRequest): Promise<Plan> {
    const ctx = this.renderContext(req);
    const loader = new SlsLoader(req.source, new TemplateRenderer(req.source.root, this.deps.templateDeps ?? { where: 'here (no box to ask)' }), ctx, this.deps.limits);
    const problems: Problem[] = [];
    let names = req.sls ?? [];
    if (names.length === 0) {
      const top = await req.source.getPath('top.sls');
      if (!top) throw new CompileError([problem('NO_TOP', { root: req.source.root })]);
      const res = await highstateSls(top, loader, { id: String(ctx.opts.id), grains: req.grains, pillar: req.pillar }, req.env);
      const { problems: renderProblems } = await loader.load([]);
      problems.push(...renderProblems, ...res.problems);
      if (problems.length) throw new CompileError(problems);
      if (res.sls.length === 0) throw new CompileError([problem('NOTHING_MATCHED', { id: ctx.opts.id }, { file: top.path })]);
      names = res.sls;
    }
    const { high, problems: loadProblems, warnings: loadWarnings } = await loader.load(names);
    problems.push(...loadProblems);
    const { plan, problems: compileProblems } = compile(high, this.registry);
    problems.push(...compileProblems);
    const maxStates = this.deps.limits?.maxStates;
    // name lists expand one ID into many states: the loader's ID count alone does not bound the run
    if (plan && maxStates !== undefined && plan.chunks.length > maxStates && !problems.some((p) => p.code === 'TOO_MANY_STATES')) {
      problems.push(problem('TOO_MANY_STATES', { max: maxStates }));
    }
    if (problems.length || !plan) throw new CompileError(problems);
    plan.warnings = [...loadWarnings, ...(plan.warnings ?? [])];
    return plan;
  }

  async apply(req: ApplyRequest): Promise<RunResults> {
    return this.execute(await this.cachedPlan(req), req);
  }

  private async cachedPlan(req: RunRequest): Promise<Plan> {
    if (!req.immutableTree) return this.plan(req);
    const key = JSON.stringify([req.source.root, req.sls ?? [], req.env ?? 'base', req.grains, req.pillar, req.opts ?? {}]);
    let plan = this.plans.get(key);
    if (!plan) {
      plan = await this.plan(req);
      if (this.plans.size >= 16) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }

  execute(plan: Plan, req: ApplyRequest): Promise<RunResults> {
    const rctx = this.renderContext(req);
    const renderer = new TemplateRenderer(req.source.root, this.deps.templateDeps ?? { where: 'here (no box to ask)' });
    const files = this.deps.files ?? new LocalFileClient(req.source.root);
    const context = (c: LowChunk, test: boolean): StateContext => ({
      test, id: c.id, sls: c.sls, grains: rctx.grains, pillar: rctx.pillar, opts: rctx.opts,
      files, drivers: this.deps.drivers,
      required: c.requisites.filter((r) => r.kind === 'require').map((r) => plan.byKey.get(r.target))
        .filter((t): t is LowChunk => t !== undefined).map((t) => ({ module: t.module, fun: t.fun, name: t.name })),
      render: async (tpl, name, extra) => renderer.render(tpl, name, { ...rctx, ...extra }),
    });
    return new Executor(plan, this.registry, { test: !!req.test, failhard: req.failhard, context, signal: req.signal, onState: req.onState }).run();
  }

  private renderContext(req: RunRequest): RenderContext {
    const opts = { id: req.grains.id, saltenv: req.env ?? 'base', test: false, ...req.opts };
    return { grains: req.grains, pillar: req.pillar, opts };
  }
}
