import picomatch from 'picomatch';
import { problem, type Problem, type SourcePos } from '../lib/errors.js';
import type { ArgDecl, HighData, IdDecl, ModuleDecl } from './sls/high.js';
import type { StateRegistry } from './registry.js';
import type { LowChunk, Requisite, RequisiteKind } from './types.js';

const BASE_KINDS = ['require', 'watch', 'onchanges', 'onfail', 'prereq', 'listen', 'use'] as const;
const VARIANTS: Record<string, RequisiteKind> = {
  require: 'require', require_any: 'require_any', watch: 'watch', watch_any: 'watch_any',
  onchanges: 'onchanges', onchanges_any: 'onchanges_any', onfail: 'onfail', onfail_any: 'onfail_any',
  onfail_all: 'onfail_all', prereq: 'prereq', listen: 'listen',
};
const IN_FORMS = new Set(BASE_KINDS.map((k) => `${k}_in`));
const GLOBAL_KEYS = new Set(['name', 'names', 'order', 'failhard', 'onlyif', 'unless', 'use', ...Object.keys(VARIANTS), ...IN_FORMS]);

/** Requisite kinds after which the dependent runs (run-order edges). */
const ORDERING: ReadonlySet<RequisiteKind> = new Set(['require', 'require_any', 'watch', 'watch_any',
  'onchanges', 'onchanges_any', 'onfail', 'onfail_any', 'onfail_all']);

interface RefDecl { kind: string; module: string; ref: string; pos: SourcePos; fromIn: boolean }

interface Proto {
  decl: IdDecl;
  mod: ModuleDecl;
  fun: string;
  name: string;
  args: Record<string, unknown>;
  argPos: Record<string, SourcePos>;
  refs: RefDecl[];
  uses: RefDecl[];
  order: number | 'first' | 'last' | undefined;
  failhard: boolean;
  onlyif: unknown[];
  unless: unknown[];
  seq: number;
  chunk?: LowChunk;
}

export interface Plan {
  /** Chunks in execution order (requisites may pull a later chunk forward at run time). */
  chunks: LowChunk[];
  byKey: Map<string, LowChunk>;
}

export const chunkKey = (module: string, id: string, name: string, fun: string): string =>
  `${module}_|-${id}_|-${name}_|-${fun}`;

export function describeChunk(c: { module: string; id: string; name?: string }): string {
  return `${c.module}: ${c.id}`;
}

/**
 * Compiles high data into ordered low chunks: functions checked against the
 * registry, arguments validated, `names` expanded, `use` applied, requisites
 * (and their `_in` forms) resolved, cycles rejected. Pure: nothing runs.
 */
export function compile(high: HighData, registry: StateRegistry): { plan?: Plan; problems: Problem[] } {
  const problems: Problem[] = [];
  const protos: Proto[] = [];
  let seq = 0;
  const decls = [...high.ids.values()].sort((a, b) => a.index - b.index);
  for (const decl of decls) {
    for (const mod of decl.modules) {
      const where = { ...mod.pos, stateId: decl.id };
      if (!registry.hasModule(mod.module)) {
        problems.push(problem('UNKNOWN_MODULE', { module: mod.module, known: registry.moduleNames().join(', ') }, where));
        continue;
      }
      if (!mod.fun) {
        problems.push(problem('NO_FUNCTION', { module: mod.module }, where));
        continue;
      }
      if (!registry.get(mod.module, mod.fun)) {
        problems.push(problem('UNKNOWN_FUNCTION', { module: mod.module, fun: mod.fun, known: registry.functionNames(mod.module).join(', ') }, where));
        continue;
      }
      for (const p of expandNames(decl, mod, mod.fun, problems)) { p.seq = seq++; protos.push(p); }
    }
  }
  applyUse(protos, problems);
  const chunks: LowChunk[] = [];
  for (const p of protos) {
    const { args, errors } = registry.validate(p.mod.module, p.fun, p.args);
    for (const e of errors) {
      problems.push(problem('ARG_INVALID', { reason: e.message },
        { ...(p.argPos[e.field] ?? p.mod.pos), stateId: p.decl.id, field: e.field }));
    }
    const chunk: LowChunk = {
      id: p.decl.id, name: p.name, module: p.mod.module, fun: p.fun, sls: p.decl.sls,
      args: { ...args, name: p.name }, order: 0, failhard: p.failhard, onlyif: p.onlyif, unless: p.unless,
      requisites: [], pos: p.mod.pos, argPos: p.argPos,
      key: chunkKey(p.mod.module, p.decl.id, p.name, p.fun),
    };
    p.chunk = chunk;
    chunks.push(chunk);
  }
  resolveRequisites(protos, problems);
  assignOrder(protos);
  const ordered = protos.map((p) => p.chunk!).sort((a, b) => a.order - b.order);
  if (problems.length === 0) {
    const cycle = findCycle(ordered);
    if (cycle) {
      const first = cycle[0]!;
      problems.push(problem('REQUISITE_CYCLE', { cycle: cycle.map(describeChunk).join(' -> ') }, { ...first.pos, stateId: first.id }));
    }
  }
  if (problems.length) return { problems };
  return { plan: { chunks: ordered, byKey: new Map(ordered.map((c) => [c.key, c])) }, problems };
}

function expandNames(decl: IdDecl, mod: ModuleDecl, fun: string, problems: Problem[]): Proto[] {
  const base: Proto = {
    decl, mod, fun, name: decl.id, args: {}, argPos: {}, refs: [], uses: [],
    order: undefined, failhard: false, onlyif: [], unless: [], seq: 0,
  };
  let names: ArgDecl | undefined;
  const where = (a: ArgDecl) => ({ ...a.pos, stateId: decl.id, field: a.key });
  const bad = (a: ArgDecl, reason: string) => problems.push(problem('ARG_INVALID', { reason }, where(a)));
  for (const a of mod.args) {
    base.argPos[a.key] = a.pos;
    if (!GLOBAL_KEYS.has(a.key)) { base.args[a.key] = a.value; continue; }
    switch (a.key) {
      case 'name':
        if (typeof a.value === 'string' || typeof a.value === 'number') base.name = String(a.value);
        else bad(a, `'name' must be a string`);
        break;
      case 'names': names = a; break;
      case 'order':
        if (a.value === 'first' || a.value === 'last' || Number.isInteger(a.value)) base.order = a.value as Proto['order'];
        else bad(a, `'order' must be an integer, 'first' or 'last'`);
        break;
      case 'failhard':
        if (typeof a.value === 'boolean') base.failhard = a.value;
        else bad(a, `'failhard' must be true or false`);
        break;
      case 'onlyif':
      case 'unless': {
        const list = Array.isArray(a.value) ? a.value : [a.value];
        if (list.every((c) => typeof c === 'string')) base[a.key] = list;
        else bad(a, `'${a.key}' must be a command or a list of commands`);
        break;
      }
      default: {
        const refs = parseRefs(a, problems, decl.id);
        if (a.key === 'use' || a.key === 'use_in') base.uses.push(...refs);
        else base.refs.push(...refs);
      }
    }
  }
  if (!names) return [base];
  if (!Array.isArray(names.value)) {
    bad(names, `'names' must be a list`);
    return [base];
  }
  const out: Proto[] = [];
  for (const [i, n] of names.value.entries()) {
    if (typeof n === 'string' || typeof n === 'number') { out.push({ ...base, name: String(n) }); continue; }
    const entries = n && typeof n === 'object' && !Array.isArray(n) ? Object.entries(n) : [];
    if (entries.length !== 1) {
      problems.push(problem('ARG_INVALID', { reason: `'names' items must be names or single-key mappings of a name to its arguments` },
        { ...(names.itemPos[i] ?? names.pos), stateId: decl.id, field: 'names' }));
      continue;
    }
    const [name, over] = entries[0]!;
    const extra: Record<string, unknown> = {};
    for (const item of Array.isArray(over) ? over : []) {
      if (item && typeof item === 'object') Object.assign(extra, item);
    }
    out.push({ ...base, name, args: { ...base.args, ...extra } });
  }
  return out;
}

function parseRefs(a: ArgDecl, problems: Problem[], stateId: string): RefDecl[] {
  const kind = a.key.replace(/_in$/, '');
  const fromIn = a.key.endsWith('_in');
  const list = Array.isArray(a.value) ? a.value : [a.value];
  const out: RefDecl[] = [];
  list.forEach((item, i) => {
    const pos = a.itemPos[i] ?? a.pos;
    if (typeof item === 'string') { out.push({ kind, module: 'id', ref: item, pos, fromIn }); return; }
    const entries = item && typeof item === 'object' && !Array.isArray(item) ? Object.entries(item) : [];
    if (entries.length === 1 && (typeof entries[0]![1] === 'string' || typeof entries[0]![1] === 'number')) {
      out.push({ kind, module: entries[0]![0], ref: String(entries[0]![1]), pos, fromIn });
      return;
    }
    problems.push(problem('REQUISITE_FORMAT', { req: a.key, reason: 'each item must be "- module: ID-or-name", "- sls: name" or an ID' },
      { ...pos, stateId, field: a.key }));
  });
  return out;
}

function matcher(ref: string): (s: string) => boolean {
  if (!/[*?[]/.test(ref)) return (s) => s === ref;
  const m = picomatch(ref, { dot: true });
  return (s) => m(s);
}

function findTargets(protos: Proto[], r: RefDecl): Proto[] {
  const m = matcher(r.ref);
  if (r.module === 'sls') return protos.filter((p) => m(p.decl.sls));
  return protos.filter((p) => (r.module === 'id' || p.mod.module === r.module) && (m(p.decl.id) || m(p.name)));
}

function applyUse(protos: Proto[], problems: Problem[]): void {
  const copy = (into: Proto, from: Proto) => {
    for (const [k, v] of Object.entries(from.args)) if (!(k in into.args)) into.args[k] = v;
  };
  for (const p of protos) {
    for (const r of p.uses) {
      const targets = findTargets(protos, r);
      if (targets.length === 0) {
        problems.push(problem('USE_MISSING', { target: `${r.module}: ${r.ref}` }, { ...r.pos, stateId: p.decl.id, field: r.fromIn ? 'use_in' : 'use' }));
      }
      for (const t of targets) {
        if (r.fromIn) copy(t, p); else copy(p, t);
      }
    }
  }
}

function resolveRequisites(protos: Proto[], problems: Problem[]): void {
  for (const p of protos) {
    for (const r of p.refs) {
      const targets = findTargets(protos, r).filter((t) => t !== p);
      if (targets.length === 0) {
        problems.push(problem('REQUISITE_MISSING', { req: r.fromIn ? `${r.kind}_in` : r.kind, target: `${r.module}: ${r.ref}` },
          { ...r.pos, stateId: p.decl.id, field: r.fromIn ? `${r.kind}_in` : r.kind }));
        continue;
      }
      const kind = VARIANTS[r.kind]!;
      for (const t of targets) {
        const req: Requisite = { kind, target: (r.fromIn ? p : t).chunk!.key };
        const holder = (r.fromIn ? t : p).chunk!;
        if (!holder.requisites.some((x) => x.kind === req.kind && x.target === req.target)) holder.requisites.push(req);
      }
    }
  }
}

const AUTO_BASE = 1e9;

/** Salt: explicit numeric orders (and `first`) run before unordered states, `last` after all. */
function assignOrder(protos: Proto[]): void {
  for (const p of protos) {
    const o = p.order;
    p.chunk!.order = o === 'first' ? p.seq / AUTO_BASE
      : o === 'last' ? 2 * AUTO_BASE + p.seq
      : typeof o === 'number' ? o + p.seq / AUTO_BASE
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
