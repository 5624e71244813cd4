import { problem, type Problem, type SourcePos } from '../lib/errors.js';
import { fnmatch } from '../lib/fnmatch.js';
import type { ArgDecl, HighData, IdDecl, ModuleDecl } from './sls/high.js';
import type { StateRegistry } from './registry.js';
import type { LowChunk, Requisite, RequisiteKind, RetrySpec } from './types.js';

/** Requisite arguments (Salt's RequisiteType values) and what they become on a chunk. */
const REQ_KINDS: Record<string, RequisiteKind> = {
  require: 'require', require_any: 'require_any', watch: 'watch', watch_any: 'watch_any',
  onchanges: 'onchanges', onchanges_any: 'onchanges_any', onfail: 'onfail', onfail_any: 'onfail_any',
  onfail_all: 'onfail_all', prereq: 'prereq', listen: 'listen',
};
/** The `_in` forms Salt turns into requisites on their targets. */
const IN_KINDS: Record<string, RequisiteKind> = {
  require_in: 'require', watch_in: 'watch', onchanges_in: 'onchanges', onfail_in: 'onfail',
  prereq_in: 'prereq', listen_in: 'listen',
};

/**
 * Salt's STATE_RUNTIME_KEYWORDS (and onfail_stop): options the state system itself reads. They stay
 * in the low chunk (state show prints them) and reach the function only when it takes them.
 */
const RUNTIME_KEYWORDS = new Set(['fun', 'state', 'check_cmd', 'cmd_opts_exclude', 'failhard', 'onlyif', 'unless',
  'creates', 'retry', 'order', 'parallel', 'reload_modules', 'reload_grains', 'reload_pillar', 'runas',
  'runas_password', 'fire_event', 'saltenv', 'umask', 'onfail_stop', 'aggregate', 'provider']);

/** Requisite kinds after which the dependent runs (run-order edges). */
const ORDERING: ReadonlySet<RequisiteKind> = new Set(['require', 'require_any', 'watch', 'watch_any',
  'onchanges', 'onchanges_any', 'onfail', 'onfail_any', 'onfail_all']);

/** Salt's verify_retry_data defaults. */
const RETRY_DEFAULTS: RetrySpec = { attempts: 2, until: true, interval: 30, splay: 0 };

/** A requisite as written: `- module: ref`, `- sls: ref` or a bare ID (module 'id'). */
interface RefDecl { kind: string; module: string; ref: string; pos: SourcePos; fromIn: boolean; field: string }

interface Proto {
  decl: IdDecl;
  mod: ModuleDecl;
  fun: string;
  name: string;
  /** Every argument Salt's low chunk holds, in declaration order (later ones win, as in Salt's chunk.update). */
  args: Record<string, unknown>;
  argPos: Record<string, SourcePos>;
  /**
   * Requisites (and use) by the argument that declared them: a key given twice keeps the last
   * list, as Salt's chunk.update does (a names entry's `require` replaces the state's).
   */
  reqArgs: Record<string, RefDecl[]>;
  seq: number;
  chunk?: LowChunk;
}

export interface Plan {
  /** Chunks in execution order (requisites may pull a later chunk forward at run time). */
  chunks: LowChunk[];
  byKey: Map<string, LowChunk>;
  /**
   * What Salt accepts but umec cannot run or would refuse (unknown state functions, arguments a
   * function does not take or of the wrong type, requisites to nothing): Salt compiles these and
   * fails only the chunk at apply; so does umec.
   */
  warnings?: Problem[];
}

export const chunkKey = (module: string, id: string, name: string, fun: string): string =>
  `${module}_|-${id}_|-${name}_|-${fun}`;

export function describeChunk(c: { module: string; id: string; name?: string }): string {
  return `${c.module}: ${c.id}`;
}

/** Python truthiness of a YAML value (Salt tests `failhard` and friends this way). */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Compiles high data into ordered low chunks the way Salt's compile_high_data does: `names`
 * expanded, `use` applied, requisites (and their `_in` forms) resolved, cycles rejected. Like Salt
 * it accepts state functions and arguments it cannot run: those chunks carry why (`unavailable`)
 * and fail at apply, and `warnings` lists them. Pure: nothing runs.
 */
export function compile(high: HighData, registry: StateRegistry): { plan?: Plan; problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const protos: Proto[] = [];
  let seq = 0;
  const decls = [...high.ids.values()].sort((a, b) => a.index - b.index);
  for (const decl of decls) {
    for (const mod of decl.modules) {
      const where = { ...mod.pos, stateId: decl.id };
      if (!mod.fun) {
        problems.push(problem('NO_FUNCTION', { module: mod.module }, where));
        continue;
      }
      for (const p of expandNames(decl, mod, mod.fun, problems, warnings)) { p.seq = seq++; protos.push(p); }
    }
  }
  applyUse(protos, warnings);
  for (const p of protos) p.chunk = buildChunk(p, registry, warnings);
  resolveRequisites(protos, problems, warnings);
  assignOrder(protos);
  const ordered = protos.map((p) => p.chunk!).sort((a, b) => a.order - b.order);
  if (problems.length === 0) {
    const cycle = findCycle(ordered);
    if (cycle) {
      const first = cycle[0];
      problems.push(problem('REQUISITE_CYCLE', { cycle: cycle.map(describeChunk).join(' -> ') }, { ...first.pos, stateId: first.id }));
    }
  }
  if (problems.length) return { problems, warnings };
  return { plan: { chunks: ordered, byKey: new Map(ordered.map((c) => [c.key, c])), warnings }, problems, warnings };
}

/** The low chunk of one proto: Salt's arguments kept as written, the function's own arguments validated. */
function buildChunk(p: Proto, registry: StateRegistry, warnings: Problem[]): LowChunk {
  const module = p.mod.module;
  const full = `${module}.${p.fun}`;
  const at = (field?: string) => ({ ...(field ? p.argPos[field] ?? p.mod.pos : p.mod.pos), stateId: p.decl.id, ...(field ? { field } : {}) });
  const chunk: LowChunk = {
    id: p.decl.id, name: p.name, module, fun: p.fun, sls: p.decl.sls,
    args: { name: p.name }, order: 0, failhard: pyTruthy(p.args.failhard),
    onlyif: conditionList(p.args.onlyif), unless: conditionList(p.args.unless),
    requisites: [], saltArgs: p.args, pos: p.mod.pos, argPos: p.argPos,
    key: chunkKey(module, p.decl.id, p.name, p.fun),
  };
  if (p.args.retry !== undefined && p.args.retry !== null && p.args.retry !== false) chunk.retry = retrySpec(p.args.retry);
  const fn = registry.get(module, p.fun);
  if (!fn) {
    // Salt's compile does not check state functions; its apply fails the chunk with these words
    chunk.unavailable = `State '${full}' was not found in SLS '${p.decl.sls}'\nReason: '${full}' is not available.`;
    warnings.push(registry.hasModule(module)
      ? problem('UNKNOWN_FUNCTION', { module, fun: p.fun, known: registry.functionNames(module).join(', ') }, at())
      : problem('UNKNOWN_MODULE', { module, known: registry.moduleNames().join(', ') }, at()));
    return chunk;
  }
  const takes = registry.argNames(module, p.fun);
  const fnArgs: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(p.args)) {
    // null: the argument's default (Salt passes None, which every optional argument defaults to)
    if (v === null) continue;
    if (takes ? takes.has(k) : !RUNTIME_KEYWORDS.has(k)) { fnArgs[k] = v; continue; }
    if (k === 'check_cmd') {
      // file's functions check their own check_cmd (Salt's mod_run_check_cmd); others get the generic one
      if (module === 'file') ignored.push(k);
      else chunk.checkCmd = (Array.isArray(v) ? v : [v]).map(String);
      continue;
    }
    if (!RUNTIME_KEYWORDS.has(k)) ignored.push(k);
  }
  if (ignored.length) {
    // Salt's format_call: arguments outside the function's signature are dropped with a warning
    const names = ignored.map((k) => `'${k}'`);
    const msg = names.length === 1 ? `${names[0]} is an invalid keyword argument for '${full}'`
      : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are invalid keyword arguments for '${full}'`;
    chunk.warnings = [msg];
    for (const k of ignored) {
      const reason = k === 'check_cmd' ? `umec's ${full} does not run check_cmd yet; it is ignored`
        : `unknown argument '${k}' (accepted: ${[...takes ?? []].join(', ') || 'none'}); Salt ignores it`;
      warnings.push(problem('ARG_INVALID', { reason }, at(k)));
    }
  }
  const { args, errors } = registry.validate(module, p.fun, fnArgs);
  chunk.args = { ...args, name: p.name };
  if (errors.length) {
    chunk.unavailable = errors.map((e) => (e.missing ? `Missing parameter ${e.field} for state ${full}` : e.message)).join('\n');
    for (const e of errors) warnings.push(problem('ARG_INVALID', { reason: e.message }, at(e.field)));
  }
  return chunk;
}

/** onlyif/unless as Salt runs them: a single entry is a list of one. */
function conditionList(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function retrySpec(v: unknown): RetrySpec {
  if (!isMapping(v)) return { ...RETRY_DEFAULTS };
  const num = (x: unknown, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : d);
  return {
    attempts: num(v.attempts, RETRY_DEFAULTS.attempts),
    until: typeof v.until === 'boolean' ? v.until : RETRY_DEFAULTS.until,
    interval: num(v.interval, RETRY_DEFAULTS.interval),
    splay: num(v.splay, RETRY_DEFAULTS.splay),
  };
}

function expandNames(decl: IdDecl, mod: ModuleDecl, fun: string, problems: Problem[], warnings: Problem[]): Proto[] {
  const base: Proto = { decl, mod, fun, name: decl.id, args: {}, argPos: {}, reqArgs: {}, seq: 0 };
  let names: ArgDecl | undefined;
  for (const a of mod.args) {
    if (a.key === 'names') { names = a; continue; }
    base.argPos[a.key] = a.pos;
    takeArg(base, a, decl.id, problems, warnings);
  }
  if (!names) return [base];
  if (!Array.isArray(names.value)) {
    problems.push(problem('ARG_INVALID', { reason: `'names' must be a list` }, { ...names.pos, stateId: decl.id, field: 'names' }));
    return [base];
  }
  const out: Proto[] = [];
  const seen = new Set<string>();
  for (const [i, n] of names.value.entries()) {
    const pos = names.itemPos[i] ?? names.pos;
    const dup = JSON.stringify(n);
    if (seen.has(dup)) continue; // Salt keeps the first of equal entries
    seen.add(dup);
    if (!isMapping(n)) {
      out.push({ ...base, args: { ...base.args }, reqArgs: { ...base.reqArgs }, name: nameOf(n, decl.id) });
      continue;
    }
    // `- name: [overrides]`: the first key is the name, each override item updates the chunk
    const [name, over] = Object.entries(n)[0] ?? [decl.id, []];
    const live: Proto = { ...base, args: { ...base.args }, argPos: { ...base.argPos }, reqArgs: { ...base.reqArgs }, name: String(name) };
    const items = Array.isArray(over) ? over : isMapping(over) ? [over] : [];
    for (const item of items) {
      if (!isMapping(item)) {
        warnings.push(problem('ARG_INVALID', { reason: `'names' entry ${String(name)}: override ${JSON.stringify(item)} is not a mapping; ignored` }, { ...pos, stateId: decl.id, field: 'names' }));
        continue;
      }
      for (const [key, value] of Object.entries(item)) {
        // requisites of one name apply to that name's chunk only
        if (key === 'name' || key === 'names') continue;
        takeArg(live, { key, value, pos, itemPos: Array.isArray(value) ? value.map(() => pos) : [] }, decl.id, problems, warnings);
      }
    }
    out.push(live);
  }
  return out;
}

function nameOf(v: unknown, id: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return id;
}

/** One `- key: value` of a state: a name, a requisite, a use, or an argument of the low chunk. */
function takeArg(p: Proto, a: ArgDecl, stateId: string, problems: Problem[], warnings: Problem[]): void {
  if (a.key === 'name') {
    p.name = nameOf(a.value, stateId);
    if (typeof a.value !== 'string' && typeof a.value !== 'number') {
      warnings.push(problem('ARG_INVALID', { reason: `'name' is not a string; the ID is used` }, { ...a.pos, stateId, field: 'name' }));
    }
    return;
  }
  if (a.key === 'state') return; // Salt does not pass a state override down
  if (a.key in REQ_KINDS || a.key in IN_KINDS || a.key === 'use' || a.key === 'use_in') {
    p.reqArgs[a.key] = parseRefs(a, problems, warnings, stateId);
    return;
  }
  if (a.key === 'order' && !(a.value === 'first' || a.value === 'last' || Number.isInteger(a.value))) {
    warnings.push(problem('ARG_INVALID', { reason: `'order' is not an integer, 'first' or 'last'; the state keeps its place` }, { ...a.pos, stateId, field: 'order' }));
  }
  p.args[a.key] = a.value;
}

function parseRefs(a: ArgDecl, problems: Problem[], warnings: Problem[], stateId: string): RefDecl[] {
  const fromIn = a.key.endsWith('_in');
  const kind = a.key.replace(/_in$/, '');
  const out: RefDecl[] = [];
  const bad = (pos: SourcePos, reason: string) => problems.push(problem('REQUISITE_FORMAT', { req: a.key, reason }, { ...pos, stateId, field: a.key }));
  const add = (module: string, target: unknown, pos: SourcePos) => {
    if (target === null || target === undefined) return; // Salt skips a requisite without a target
    if (typeof target === 'object') { bad(pos, `the target of '${module}' must be an ID, a name or an SLS, got ${JSON.stringify(target)}`); return; }
    let m = module;
    if (m.includes('.')) {
      m = m.slice(0, m.indexOf('.'));
      warnings.push(problem('REQUISITE_FORMAT', { req: a.key, reason: `requisite types must not contain dots: '${module}' is read as '${m}'` }, { ...pos, stateId, field: a.key }));
    }
    out.push({ kind, module: m, ref: String(target), pos, fromIn, field: a.key });
  };
  // Salt: a `_in` may be one mapping of module: target pairs
  if (fromIn && isMapping(a.value)) {
    for (const [m, t] of Object.entries(a.value)) add(m, t, a.pos);
    return out;
  }
  const list = Array.isArray(a.value) ? a.value : [a.value];
  list.forEach((item, i) => {
    const pos = a.itemPos[i] ?? a.pos;
    if (typeof item === 'string' || typeof item === 'number') { add('id', item, pos); return; }
    if (isMapping(item)) {
      const entries = Object.entries(item);
      if (entries.length === 1 || (fromIn && entries.length > 0)) { add(entries[0][0], entries[0][1], pos); return; }
    }
    if (item === null) return;
    bad(pos, 'each item must be "- module: ID-or-name", "- sls: name" or an ID');
  });
  return out;
}

/** Chunks a requisite points at, as Salt's check_requisite matches them: ID or name, with globs. */
function findTargets(protos: Proto[], r: RefDecl): Proto[] {
  if (r.module === 'sls') return protos.filter((p) => fnmatch(p.decl.sls, r.ref));
  return protos.filter((p) => (r.module === 'id' || p.mod.module === r.module) && (fnmatch(p.decl.id, r.ref) || fnmatch(p.name, r.ref)));
}

/** Any argument of a state declared with this value (Salt's find_name looks at every single-key argument). */
function declaresValue(mod: ModuleDecl, value: string): boolean {
  return mod.args.some((a) => (typeof a.value === 'string' || typeof a.value === 'number') && String(a.value) === value);
}

/**
 * The chunks a `_in` (or `use`) extends, as Salt's requisite_in resolves them: the ID with that
 * state, else the one ID whose arguments in that state hold the value; a bare ID means its first
 * state; `sls` means every state of that SLS.
 */
function extendTargets(protos: Proto[], r: RefDecl): Proto[] {
  if (r.module === 'sls') return protos.filter((p) => fnmatch(p.decl.sls, r.ref));
  if (r.module === 'id') {
    const byId = protos.filter((p) => p.decl.id === r.ref);
    if (byId.length) {
      const first = byId[0].decl.modules[0].module;
      return byId.filter((p) => p.mod.module === first);
    }
    const named = protos.filter((p) => declaresValue(p.mod, r.ref));
    if (!named.length) return [];
    const last = named.at(-1)!;
    return protos.filter((p) => p.decl === last.decl && p.mod === last.mod);
  }
  const byId = protos.filter((p) => p.decl.id === r.ref && p.mod.module === r.module);
  if (byId.length) return byId;
  const named = protos.filter((p) => p.mod.module === r.module && declaresValue(p.mod, r.ref));
  const decls = new Set(named.map((p) => p.decl));
  return decls.size === 1 ? named : [];
}

const usesOf = (p: Proto): RefDecl[] => [...(p.reqArgs.use ?? []), ...(p.reqArgs.use_in ?? [])];
const refsOf = (p: Proto): RefDecl[] => Object.entries(p.reqArgs).filter(([k]) => k !== 'use' && k !== 'use_in').flatMap(([, v]) => v);

const REQUISITE_ARG = /^(require|require_any|watch|watch_any|onchanges|onchanges_any|onfail|onfail_any|onfail_all|onfail_stop|prereq|listen|use)(_in)?$/;

/** Salt's `use`: the target's arguments the state does not set itself (not names, not requisites). */
function applyUse(protos: Proto[], warnings: Problem[]): void {
  const declared = new Map(protos.map((p) => [p, new Set(Object.keys(p.args))]));
  const copy = (into: Proto, from: Proto) => {
    const own = declared.get(into)!;
    for (const [k, v] of Object.entries(from.args)) {
      if (own.has(k) || REQUISITE_ARG.test(k)) continue;
      into.args[k] = structuredClone(v);
      into.argPos[k] ??= from.argPos[k];
    }
  };
  for (const p of protos) {
    for (const r of usesOf(p)) {
      const targets = extendTargets(protos, r).filter((t) => t.decl !== p.decl);
      if (targets.length === 0) {
        // Salt ignores a use whose target is not in the run
        warnings.push(problem('USE_MISSING', { target: `${r.module}: ${r.ref}` }, { ...r.pos, stateId: p.decl.id, field: r.field }));
      }
      for (const t of targets) {
        if (r.fromIn) copy(t, p); else copy(p, t);
      }
    }
  }
}

function resolveRequisites(protos: Proto[], problems: Problem[], warnings: Problem[]): void {
  const add = (holder: LowChunk, req: Requisite) => {
    if (!holder.requisites.some((x) => x.kind === req.kind && x.target === req.target)) holder.requisites.push(req);
  };
  for (const p of protos) {
    for (const r of refsOf(p)) {
      const kind = REQ_KINDS[r.kind] ?? IN_KINDS[`${r.kind}_in`];
      if (r.fromIn) {
        const targets = extendTargets(protos, r).filter((t) => t !== p);
        if (targets.length === 0) {
          // Salt: "Cannot extend ID ... It is not part of the high state"; the run does not compile
          problems.push(problem('REQUISITE_MISSING', { req: r.field, target: `${r.module}: ${r.ref}` }, { ...r.pos, stateId: p.decl.id, field: r.field }));
          continue;
        }
        for (const t of targets) add(t.chunk!, { kind, target: p.chunk!.key });
        continue;
      }
      const targets = findTargets(protos, r).filter((t) => t !== p);
      if (targets.length === 0) {
        // Salt compiles this and fails the chunk at apply ("The following requisites were not found")
        warnings.push(problem('REQUISITE_MISSING', { req: r.field, target: `${r.module}: ${r.ref}` }, { ...r.pos, stateId: p.decl.id, field: r.field }));
        const c = p.chunk!;
        (c.unresolved ??= []).push({ kind: r.kind, module: r.module, ref: r.ref });
        continue;
      }
      for (const t of targets) add(p.chunk!, { kind, target: t.chunk!.key });
    }
  }
}

const AUTO_BASE = 1e9;

/** Salt: explicit numeric orders (and `first`) run before unordered states, `last` after all. */
function assignOrder(protos: Proto[]): void {
  for (const p of protos) {
    const o = p.args.order;
    p.chunk!.order = o === 'first' ? p.seq / AUTO_BASE
      : o === 'last' ? 2 * AUTO_BASE + p.seq
      : typeof o === 'number' && Number.isInteger(o) ? o + p.seq / AUTO_BASE
      : AUTO_BASE + p.seq;
  }
}

/** Chunks that must finish before `c` runs (its ordering requisites, and states it is a prereq of). */
export function runsAfter(c: LowChunk, plan: Plan, prereqOf: Map<string, string[]>): LowChunk[] {
  const keys = c.requisites.filter((r) => ORDERING.has(r.kind)).map((r) => r.target);
  keys.push(...(prereqOf.get(c.key) ?? []));
  return keys.map((k) => plan.byKey.get(k)!).filter(Boolean);
}

/** target key → keys of chunks declaring `prereq` on it (they must run first). */
export function prereqIndex(chunks: LowChunk[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of chunks) {
    for (const r of c.requisites) {
      if (r.kind !== 'prereq') continue;
      m.set(r.target, [...(m.get(r.target) ?? []), c.key]);
    }
  }
  return m;
}

function findCycle(chunks: LowChunk[]): LowChunk[] | undefined {
  const plan: Plan = { chunks, byKey: new Map(chunks.map((c) => [c.key, c])) };
  const prereqOf = prereqIndex(chunks);
  const state = new Map<string, 1 | 2>();
  const stack: LowChunk[] = [];
  const visit = (c: LowChunk): LowChunk[] | undefined => {
    state.set(c.key, 1);
    stack.push(c);
    for (const d of runsAfter(c, plan, prereqOf)) {
      const s = state.get(d.key);
      if (s === 1) return [...stack.slice(stack.indexOf(d)), d];
      if (s === undefined) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(c.key, 2);
    return undefined;
  };
  for (const c of chunks) {
    if (!state.has(c.key)) {
      const found = visit(c);
      if (found) return found;
    }
  }
  return undefined;
}

/** The order the executor will call the chunks in when nothing fails (requisites first). */
export function runOrder(plan: Plan): LowChunk[] {
  const prereqOf = prereqIndex(plan.chunks);
  const seen = new Set<string>();
  const out: LowChunk[] = [];
  const visit = (c: LowChunk) => {
    if (seen.has(c.key)) return;
    seen.add(c.key);
    for (const d of runsAfter(c, plan, prereqOf)) visit(d);
    out.push(c);
  };
  plan.chunks.forEach(visit);
  return out;
}
