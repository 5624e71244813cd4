import { performance } from 'node:perf_hooks';
import { UmecError } from '../lib/errors.js';
import { prereqIndex, runsAfter, type Plan } from './compile.js';
import type { StateRegistry } from './registry.js';
import type { LowChunk, RunResults, StateContext, StateResult, StateReturn } from './types.js';

export interface ExecuteOptions {
  test: boolean;
  /** Stop at the first failure (Salt's global failhard). */
  failhard?: boolean;
  /** Waits between retries (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
  /** Aborting stops the run between two states; run() then throws JOB_INTERRUPTED. */
  signal?: AbortSignal;
  /** Called before each state runs (a job journal's progress). */
  onState?: (chunk: LowChunk, index: number, total: number) => void;
  /** Builds the context each state function gets. */
  context(chunk: LowChunk, test: boolean): StateContext;
}

const YIELD_EVERY_MS = 20;

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
  /** The state that did not run because the signal was aborted. */
  private interruptedAt?: LowChunk;
  /** When the event loop last had a turn: a long run of quick states must not starve the daemon's sockets. */
  private lastYield = performance.now();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly plan: Plan, private readonly registry: StateRegistry, private readonly opts: ExecuteOptions) {
    this.prereqOf = prereqIndex(plan.chunks);
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async run(): Promise<RunResults> {
    for (const c of this.plan.chunks) {
      if (this.stopped) break;
      await this.call(c);
    }
    if (!this.stopped) await this.runListeners();
    if (this.interruptedAt) {
      throw new UmecError('JOB_INTERRUPTED', {
        reason: String(this.opts.signal?.reason ?? 'aborted'), done: this.runNum, total: this.plan.chunks.length,
        next: `${this.interruptedAt.sls}.${this.interruptedAt.id}`, results: this.results,
      });
    }
    return this.results;
  }

  private async call(c: LowChunk): Promise<void> {
    if (this.done.has(c.key) || this.stopped) return;
    this.done.add(c.key);
    for (const dep of runsAfter(c, this.plan, this.prereqOf)) {
      await this.call(dep);
      if (this.stopped) return;
    }
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));
      this.lastYield = performance.now();
    }
    if (this.opts.signal?.aborted) {
      this.stopped = true;
      this.interruptedAt = c;
      return;
    }
    this.opts.onState?.(c, this.runNum, this.plan.chunks.length);
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
    if (c.warnings?.length) result.warnings = [...c.warnings];
    this.results[key] = result;
  }

  private async evaluate(c: LowChunk): Promise<StateReturn> {
    const name = c.name;
    try {
      if (c.unresolved?.length) return { name, result: false, changes: {}, comment: notFoundComment(c.unresolved) };
      const gate = await this.gate(c);
      if (!gate.run) return { name, ...gate.ret };
      // Salt's verify_data: a state function it does not have, or arguments it cannot take, fail the chunk
      if (c.unavailable) return { name, result: false, changes: {}, comment: c.unavailable };
      const cond = await this.conditions(c);
      let ret = cond.skip ? { name, result: true, changes: {}, comment: cond.comment } : await this.invoke(c, gate.modWatch, this.opts.test);
      if (!cond.skip && c.retry) ret = await this.retry(c, ret, gate.modWatch);
      if (c.checkCmd?.length) ret = { ...ret, ...await this.checkCmd(c) };
      return ret;
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
      // Salt runs what a prereq target requires before test-running the target (the states it
      // requires really run first, so its prediction sees them done)
      for (const x of prereqs) {
        for (const dep of runsAfter(this.plan.byKey.get(x.key)!, this.plan, this.prereqOf)) await this.call(dep);
      }
      const predictions: StateReturn[] = [];
      for (const x of prereqs) predictions.push(await this.predict(x.key));
      const bad = predictions.filter((p) => p.result === false);
      if (bad.length) {
        return { run: false, ret: { result: false, changes: {}, comment: `One or more requisite failed: ${prereqs.filter((_x, i) => predictions[i].result === false).map((x) => label(x.key)).join(', ')}` } };
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
      if (t.unresolved?.length) return { name: t.name, result: false, changes: {}, comment: notFoundComment(t.unresolved) };
      const ok = (r: StateReturn | undefined) => !!r && (r.result === true || (this.opts.test && r.result === null));
      const hard = t.requisites.filter((r) => ['require', 'watch', 'onchanges'].includes(r.kind) && !ok(this.results[r.target]));
      if (hard.length) return { name: t.name, result: false, changes: {}, comment: `One or more requisite failed: ${hard.map((r) => r.target).join(', ')}` };
      if (t.unavailable) return { name: t.name, result: false, changes: {}, comment: t.unavailable };
      const cond = await this.conditions(t);
      if (cond.skip) return { name: t.name, result: true, changes: {}, comment: cond.comment };
      return await this.invoke(t, false, true);
    } catch (e) {
      return { name: t.name, result: false, changes: {}, comment: String((e as Error).message) };
    }
  }

  /**
   * Salt's onlyif/unless (State._run_check): a command string runs through the shell with the
   * state's cwd/runas/env/timeout; onlyif skips the state at the first command that fails, unless
   * skips it when every command succeeds. An entry that is neither a command nor a function call
   * (`onlyif: true` from a template) is a "bad type": Salt then runs the state.
   */
  private async conditions(c: LowChunk): Promise<{ skip: boolean; comment: string }> {
    if (!c.onlyif.length && !c.unless.length) return { skip: false, comment: '' };
    const exec = this.opts.context(c, this.opts.test).drivers.exec;
    const a = c.args as Record<string, unknown>;
    const opts = {
      shell: true,
      ...(typeof a.cwd === 'string' ? { cwd: a.cwd } : {}),
      ...(typeof a.runas === 'string' ? { runas: a.runas } : {}),
      ...(typeof a.timeout === 'number' ? { timeout: a.timeout } : {}),
    };
    const retcode = async (cmd: string, onError: number | null = null) => {
      try {
        return (await exec.run(cmd, opts)).code;
      } catch {
        return onError;
      }
    };
    const comments: string[] = [];
    let skip = false;
    if (c.onlyif.length) {
      let r = { skip: false, comment: '' };
      for (const entry of c.onlyif) {
        if (typeof entry === 'string') {
          const code = await retcode(entry);
          if (code !== 0) { r = { skip: true, comment: 'onlyif condition is false' }; break; }
          r = { skip: false, comment: 'onlyif condition is true' };
        } else if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
          const fun = (entry as Record<string, unknown>).fun;
          r = { skip: false, comment: fun === undefined ? `no \`fun\` argument in onlyif: ${JSON.stringify(entry)}`
            : `onlyif: salt function ${String(fun)} is not provided by umec; the state runs` };
          break;
        } else {
          r = { skip: false, comment: 'onlyif execution failed, bad type passed' };
          break;
        }
      }
      skip = r.skip;
      comments.push(r.comment);
    }
    if (c.unless.length) {
      let r = { skip: false, comment: '' };
      for (const entry of c.unless) {
        if (typeof entry === 'string') {
          // a command that cannot be started counts as true for unless (Salt: CommandExecutionError -> 0)
          const code = await retcode(entry, 0);
          if (code !== 0) { r = { skip: false, comment: 'unless condition is false' }; break; }
          r = { skip: true, comment: 'unless condition is true' };
        } else if (entry && typeof entry === 'object' && !Array.isArray(entry)) {
          const fun = (entry as Record<string, unknown>).fun;
          r = { skip: false, comment: fun === undefined ? `no \`fun\` argument in unless: ${JSON.stringify(entry)}`
            : `unless: salt function ${String(fun)} is not provided by umec; the state runs` };
          break;
        } else {
          r = { skip: false, comment: 'unless condition is false, bad type passed' };
        }
      }
      skip = skip || r.skip;
      comments.push(r.comment);
    }
    return { skip, comment: comments.filter(Boolean).join('\n') };
  }

  /** Salt's state-level check_cmd: every command must succeed for the state to count as succeeded. */
  private async checkCmd(c: LowChunk): Promise<Pick<StateReturn, 'result' | 'comment'>> {
    const exec = this.opts.context(c, this.opts.test).drivers.exec;
    let ret: Pick<StateReturn, 'result' | 'comment'> = { result: false, comment: '' };
    for (const cmd of c.checkCmd ?? []) {
      const r = await exec.run(cmd, { shell: true });
      if (r.code !== 0) return { result: false, comment: 'check_cmd determined the state failed' };
      ret = { result: true, comment: 'check_cmd determined the state succeeded' };
    }
    return ret;
  }

  /** Salt's retry: call the state again (after interval + random splay seconds) until its result is `until`. */
  private async retry(c: LowChunk, first: StateReturn, modWatch: boolean): Promise<StateReturn> {
    const r = c.retry!;
    if (this.opts.test) {
      return { ...first, comment: `${first.comment}  The state would be retried every ${r.interval} seconds (with a splay of up to ${r.splay} seconds) a maximum of ${r.attempts} times or until a result of ${r.until ? 'True' : 'False'} is returned` };
    }
    let ret = first;
    for (let attempt = 1; attempt <= r.attempts && ret.result !== r.until; attempt++) {
      const wait = r.interval + (r.splay > 0 ? Math.floor(Math.random() * (r.splay + 1)) : 0);
      await this.sleep(wait * 1000);
      const again = await this.invoke(c, modWatch, false);
      const note = again.comment ? `Attempt ${attempt}: Returned a result of "${again.result === null ? 'None' : again.result ? 'True' : 'False'}", with the following comment: "${again.comment}"` : '';
      ret = { ...again, comment: [ret.comment, note].join('\n') };
    }
    return ret;
  }

  /** Salt's listen: watch handlers called once at the end of the run, recorded as listener_ results. */
  private async runListeners(): Promise<void> {
    for (const c of this.plan.chunks) {
      if (c.unavailable) continue;
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

/** Salt's comment for requisites whose target is not in the run. */
function notFoundComment(refs: NonNullable<LowChunk['unresolved']>): string {
  let out = 'The following requisites were not found:\n';
  for (const kind of [...new Set(refs.map((r) => r.kind))]) {
    out += `${' '.repeat(19)}${kind}:\n`;
    for (const r of refs.filter((x) => x.kind === kind)) out += `${' '.repeat(23)}${r.module}: ${r.ref}\n`;
  }
  return out;
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
