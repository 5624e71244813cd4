/**
 * The Jinja2 differential corpus as the TypeScript side sees it: the oracle (Python Jinja2,
 * test/oracle/jinja2_render.py) parses test/fixtures/jinja, renders every case and hands back
 * each case's files, options, typed context and expected result; this module runs it, turns the
 * contexts into engine values, and compares results. Used by the differential test, the
 * `jinja-diff` report and the bench.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PyFloat, type Value } from '../../states/jinja/values.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CORPUS = join(ROOT, 'test/fixtures/jinja');
export const ORACLE = join(ROOT, 'test/oracle/jinja2_render.py');
export const KNOWN = join(CORPUS, 'known-differences.txt');

/** The template file (loader name) and line an error is in. */
export interface Where { filename?: string; lineno?: number }

/** What rendering a case gave: text, an error of a Python exception kind, or a crash (a bug). */
export type Outcome =
  | { out: string }
  | { error: string; kind: string; message: string; where?: Where }
  | { crash: string };

export type CaseOption = 'trim_blocks' | 'lstrip_blocks' | 'keep_trailing_newline' | 'noeol' | 'globals';

export interface Case {
  name: string;
  group: string;
  /** Every template the case can load; main.jinja is the one rendered. */
  files: Record<string, string>;
  options: CaseOption[];
  context: Map<string, Value>;
  /** What Python Jinja2 gave. */
  expected: Outcome;
}

export interface Oracle {
  jinja2: string;
  cases: Case[];
  /** The oracle's JSON as it came (contexts still typed JSON), for child processes. */
  raw: string;
}

/** Typed JSON from the oracle: {dict: [[k, v]...]}, {float: x}, arrays; scalars as themselves. */
export function decodeTyped(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(decodeTyped);
  const o = v as { dict?: Array<[unknown, unknown]>; float?: number | string };
  if (o.dict) return new Map(o.dict.map(([k, x]) => [decodeTyped(k), decodeTyped(x)]));
  if (o.float !== undefined) {
    const f = o.float;
    return new PyFloat(f === 'nan' ? NaN : f === 'inf' ? Infinity : f === '-inf' ? -Infinity : Number(f));
  }
  throw new Error(`oracle: cannot decode context value ${JSON.stringify(v)}`);
}

/** Debian's python3 (where python3-jinja2 lives) unless UMEC_PYTHON names another. */
export function pythonBin(): string {
  return process.env.UMEC_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/**
 * Runs the oracle over the whole corpus (or only the named cases/groups); throws a clear
 * error when Jinja2 is not there.
 */
export function runOracle(only?: string[]): Oracle {
  const r = spawnSync(pythonBin(), [ORACLE, CORPUS, ...(only ? ['--only', ...only] : [])], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`Jinja2 oracle: cannot run ${pythonBin()}: ${r.error.message} (install python3 and python3-jinja2)`);
  if (r.status !== 0) {
    throw new Error(`Jinja2 oracle failed (exit ${r.status}): ${r.stderr.trim()}\n` +
      'The differential test needs Debian\'s python3-jinja2 and python3-yaml (scripts/system-deps.sh installs them).');
  }
  const raw = JSON.parse(r.stdout) as {
    jinja2: string;
    cases: Record<string, { result: Outcome; files: Record<string, string>; options: CaseOption[]; context: unknown }>;
  };
  const cases = Object.entries(raw.cases).map(([name, c]) => {
    const ctx = decodeTyped(c.context);
    if (!(ctx instanceof Map)) throw new Error(`oracle: context of ${name} is not a mapping`);
    return {
      name, group: name.split('/')[0], files: c.files, options: c.options,
      context: ctx as Map<string, Value>, expected: c.result,
    };
  });
  return { jinja2: raw.jinja2, cases, raw: r.stdout };
}

/**
 * Jinja2's FileSystemLoader rules for a template name: '/'-separated, '.' and empty pieces
 * dropped, '..' refused (not found).
 */
export function normalizeTemplateName(name: string): string | undefined {
  const pieces: string[] = [];
  for (const p of name.split('/')) {
    if (p === '..') return undefined;
    if (p && p !== '.') pieces.push(p);
  }
  return pieces.join('/');
}

/** The loader over a case's files (the engine's TemplateLoader shape). */
export function caseLoader(files: Record<string, string>): { getSource(name: string): { source: string; filename: string } | undefined } {
  return {
    getSource(name: string) {
      const n = normalizeTemplateName(name);
      if (n === undefined || !Object.prototype.hasOwnProperty.call(files, n)) return undefined;
      return { source: files[n], filename: n };
    },
  };
}

/**
 * Same output, or for an error case the same Python exception kind (any error at all with
 * anyErrorKind, for renderers that have no Python exception kinds).
 */
export function matches(expected: Outcome, got: Outcome, anyErrorKind = false): boolean {
  if ('out' in expected) return 'out' in got && got.out === expected.out;
  if ('kind' in expected) return 'kind' in got && (anyErrorKind || got.kind === expected.kind);
  return false;
}

/** For an error both sides raised with the same kind: is it reported in the same file and line? */
export function samePosition(expected: Outcome, got: Outcome): boolean {
  if (!('kind' in expected) || !('kind' in got) || !expected.where) return false;
  return got.where?.filename === expected.where.filename && got.where?.lineno === expected.where.lineno;
}

export function describeOutcome(o: Outcome): string {
  if ('out' in o) return JSON.stringify(o.out);
  if ('kind' in o) return `${o.kind}: ${o.message}${o.where ? ` (${o.where.filename ?? '?'}:${o.where.lineno ?? '?'})` : ''}`;
  return `crash: ${o.crash}`;
}

/** known-differences.txt: `group/name  reason` per line; # comments. */
export function readKnown(path = KNOWN): Map<string, string> {
  const known = new Map<string, string>();
  if (!existsSync(path)) return known;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(t)!;
    known.set(m[1], m[2]);
  }
  return known;
}

const KNOWN_HEADER = `# Cases of test/fixtures/jinja where umec's engine is known to differ from Python Jinja2.
# One per line: group/name  reason. The differential test expects each listed case to differ
# and FAILS when one passes: remove its line (npm run jinja-diff -- --update-known does).
# The list only shrinks.
`;

export function writeKnown(known: Map<string, string>, path = KNOWN): void {
  const lines = [...known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, r]) => `${n}  ${r}`.trimEnd());
  writeFileSync(path, `${KNOWN_HEADER}${lines.join('\n')}${lines.length ? '\n' : ''}`);
}
