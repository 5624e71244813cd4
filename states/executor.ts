import { performance } from 'node:perf_hooks';
import { prereqIndex, runsAfter, type Plan } from './compile.js';
import type { StateRegistry } from './registry.js';
import type { LowChunk, RunResults, StateContext, StateResult, StateReturn } from './types.js';

export interface ExecuteOptions {
  test: boolean;
  /** Stop at the first failure (Salt's global failhard). */
  failhard?: boolean;
  /** Builds the context each state function gets. */
  context(chunk: LowChunk, test: boolean): StateContext;
}

type Gate =
  | { run: true; modWatch: boolean }
  | { run: false; ret: Omit<StateReturn, 'name'> };

const hasChanges = (r: StateReturn | undefined): boolean => !!r && Object.keys(r.changes).length > 0;
const failed = (r: StateReturn | undefined): boolean => !r || r.result === false;

function timeOfDay(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

/**
 * Runs a compiled plan the way Salt's state system does: in order, each
 * state's requisites first, requisite semantics applied, exceptions turned into
 * `result: false`, every result timed and numbered.
 */
export class Executor {
  private readonly results: RunResults = {};
  private readonly done = new Set<string>();
  private readonly prereqOf: Map<string, string[]>;
  private runNum = 0;
  private stopped = false;

  constructor(private readonly plan: Plan, private readonly registry: StateRegistry, private readonly opts: ExecuteOptions) {
    this.prereqOf = prereqIndex(plan.chunks);
  }

  async run(): Promise<RunResults> {
    for (const c of this.plan.chunks) {
      if (this.stopped) break;
      await this.call(c);
    }
    if (!this.stopped) await this.runListeners();
    return this.results;
  }

  private async call(c: LowChunk): Promise<void> {
    if (this.done.has(c.key) || this.stopped) return;
    this.done.add(c.key);
    for (const dep of runsAfter(c, this.plan, this.prereqOf)) {
      await this.call(dep);
      if (this.stopped) return;
    }
    const start = new Date();
    const t0 = performance.now();
    const ret = await this.evaluate(c);
    this.record(c.key, c, ret, start, t0);
    if (ret.result === false && (c.failhard || this.opts.failhard)) this.stopped = true;
  }

  private record(key: string, c: LowChunk, ret: StateReturn, start: Date, t0: number): void {
    const result: StateResult = {
      name: ret.name, result: ret.result, changes: ret.changes, comment: ret.comment,
      duration: Math.round((performance.now() - t0) * 1000) / 1000,
      start_time: timeOfDay(start),
      __run_num__: this.runNum++,
      __sls__: c.sls,
      __id__: c.id,
    };
    this.results[key] = result;
  }

  private async evaluate(c: LowChunk): Promise<StateReturn> {
    const name = c.name;
    try {
      const gate = await this.gate(c);
      if (!gate.run) return { name, ...gate.ret };
      const cond = await this.conditions(c);
      if (cond) return { name, result: true, changes: {}, comment: cond };
      return await this.invoke(c, gate.modWatch, this.opts.test);
    } catch (e) {
      return { name, result: false, changes: {}, comment: `An exception occurred in this state: ${(e as Error).stack ?? String(e)}` };
    }
  }

  private async invoke(c: LowChunk, modWatch: boolean, test: boolean): Promise<StateReturn> {
    const fn = this.registry.get(c.module, c.fun)!;
    const ctx = this.opts.context(c, test);
    let ret = await fn.run(c.args, ctx);
    // Salt: the watch handler runs when the state itself changed nothing (a running service gets restarted).
    if (modWatch && fn.modWatch && !hasChanges(ret) && ret.result !== false) {
      if (test) {
        ret = { ...ret, result: null, comment: `${ret.comment}; watch triggered: ${c.module}.${c.fun} would run its watch handler (e.g. restart)` };
      } else {
        ret = await fn.modWatch(c.args, ctx);
      }
    }
    return normalise(ret, c.name);
  }

  private async gate(c: LowChunk): Promise<Gate> {
    const by = (kinds: string[]) => c.requisites.filter((r) => kinds.includes(r.kind)).map((r) => ({ key: r.target, res: this.results[r.target] }));
    const label = (key: string) => { const t = this.plan.byKey.get(key)!; return `${t.sls}.${t.id}`; };
    const ok = (r: StateReturn | undefined) => !!r && (r.result === true || (this.opts.test && r.result === null));

    const prereqHolders = (this.prereqOf.get(c.key) ?? []).map((key) => ({ key, res: this.results[key] }));
    const hard = [...by(['require', 'watch', 'onchanges']), ...prereqHolders];
    const anyOf = by(['require_any', 'watch_any']);
    const failedReqs = hard.filter((x) => !ok(x.res));
    if (failedReqs.length || (anyOf.length && !anyOf.some((x) => ok(x.res)))) {
      const names = [...failedReqs, ...(failedReqs.length ? [] : anyOf)].map((x) => label(x.key));
      return { run: false, ret: { result: false, changes: {}, comment: `One or more requisite failed: ${names.join(', ')}` } };
    }
    const prereqs = by(['prereq']);
    if (prereqs.length) {
      const predictions = await Promise.all(prereqs.map((x) => this.predict(x.key)));
      const bad = predictions.filter((p) => p.result === false);
      if (bad.length) {
        return { run: false, ret: { result: false, changes: {}, comment: `One or more requisite failed: ${prereqs.filter((_x, i) => predictions[i]!.result === false).map((x) => label(x.key)).join(', ')}` } };
      }
      if (!predictions.some(hasChanges)) {
        return { run: false, ret: { result: true, changes: {}, comment: 'No changes detected' } };
      }
    }
    const onfail = by(['onfail', 'onfail_any']);
    const onfailAll = by(['onfail_all']);
    if (onfail.length && !onfail.some((x) => failed(x.res))) {
      return { run: false, ret: { result: true, changes: {}, comment: 'State was not run because onfail req did not change' } };
    }
    if (onfailAll.length && !onfailAll.every((x) => failed(x.res))) {
      return { run: false, ret: { result: true, changes: {}, comment: 'State was not run because onfail req did not change' } };
    }
    const onchanges = by(['onchanges', 'onchanges_any']);
    if (onchanges.length && !onchanges.some((x) => hasChanges(x.res))) {
      return { run: false, ret: { result: true, changes: {}, comment: 'State was not run because none of the onchanges reqs changed' } };
    }
    const watched = by(['watch', 'watch_any']);
    return { run: true, modWatch: watched.some((x) => hasChanges(x.res)) };
  }

  /** Test-runs the state a prereq points at, to see whether it is about to change. */
  private async predict(key: string): Promise<StateReturn> {
    const t = this.plan.byKey.get(key)!;
    try {
      const cond = await this.conditions(t);
      if (cond) return { name: t.name, result: true, changes: {}, comment: cond };
      return await this.invoke(t, false, true);
    } catch (e) {
      return { name: t.name, result: false, changes: {}, comment: String((e as Error).message) };
    }
  }

  /** Salt's global onlyif/unless; returns the skip comment, or undefined to run. */
  private async conditions(c: LowChunk): Promise<string | undefined> {
    if (!c.onlyif.length && !c.unless.length) return undefined;
    const exec = this.opts.context(c, this.opts.test).drivers.exec;
    for (const cmd of c.onlyif) {
      const r = await exec.run(String(cmd), { shell: true });
      if (r.code !== 0) return 'onlyif condition is false';
    }
    if (c.unless.length) {
      let allTrue = true;
      for (const cmd of c.unless) {
        const r = await exec.run(String(cmd), { shell: true });
        if (r.code !== 0) { allTrue = false; break; }
      }
      if (allTrue) return 'unless condition is true';
    }
    return undefined;
  }

  /** Salt's listen: watch handlers called once at the end of the run, recorded as listener_ results. */
  private async runListeners(): Promise<void> {
    for (const c of this.plan.chunks) {
      const listened = c.requisites.filter((r) => r.kind === 'listen').map((r) => this.results[r.target]);
      if (!listened.some(hasChanges)) continue;
      const fn = this.registry.get(c.module, c.fun)!;
      const key = `${c.module}_|-listener_${c.id}_|-${c.name}_|-mod_watch`;
      const start = new Date();
      const t0 = performance.now();
      let ret: StateReturn;
      if (!fn.modWatch) {
        ret = { name: c.name, result: true, changes: {}, comment: `${c.module}.${c.fun} has no watch handler; nothing to do` };
      } else if (this.opts.test) {
        ret = { name: c.name, result: null, changes: {}, comment: `${c.module}.${c.fun} would run its watch handler (listen)` };
      } else {
        try {
          ret = normalise(await fn.modWatch(c.args, this.opts.context(c, false)), c.name);
        } catch (e) {
          ret = { name: c.name, result: false, changes: {}, comment: `An exception occurred in this state: ${String((e as Error).message)}` };
        }
      }
      this.record(key, { ...c, id: `listener_${c.id}` }, ret, start, t0);
    }
  }
}

/** Guards against modules returning a malformed structure. */
function normalise(ret: StateReturn, name: string): StateReturn {
  if (!ret || typeof ret !== 'object') {
    return { name, result: false, changes: {}, comment: 'state function returned no result structure' };
  }
  return {
    name: ret.name ?? name,
    result: ret.result === true || ret.result === false ? ret.result : null,
    changes: ret.changes && typeof ret.changes === 'object' ? ret.changes : {},
    comment: typeof ret.comment === 'string' ? ret.comment : String(ret.comment ?? ''),
  };
}
