import picomatch from 'picomatch';
import { UmecError } from '../lib/errors.js';
import { traverse } from './render.js';

export interface MatchSubject {
  id: string;
  grains: Record<string, unknown>;
  pillar: Record<string, unknown>;
}

export type MatchType = 'glob' | 'list' | 'grain' | 'grain_pcre' | 'pcre' | 'pillar' | 'compound';

/** Salt matches ids with fnmatch, where `[!a]` negates a class; picomatch spells that `[^a]`. */
const glob = (pattern: string, value: string) =>
  picomatch.isMatch(value, pattern.replace(/\[!/g, '[^'), { dot: true, nobrace: false });

/** `key:value` against nested data, value a glob (or regex); lists match if any element does. */
function matchData(data: Record<string, unknown>, expr: string, useRegex: boolean): boolean {
  const i = expr.lastIndexOf(':');
  if (i < 0) throw new UmecError('TARGET_SYNTAX', { target: expr, reason: 'expected key:value' });
  const v = traverse(data, expr.slice(0, i), undefined);
  const want = expr.slice(i + 1);
  const test = (x: unknown) => (useRegex ? new RegExp(want).test(String(x)) : glob(want, String(x)));
  if (v === undefined || v === null) return false;
  return Array.isArray(v) ? v.some(test) : test(v);
}

/** Matches one target against the box, as Salt's matchers do. */
export function matchTarget(target: string, type: MatchType, s: MatchSubject): boolean {
  switch (type) {
    case 'glob': return glob(target, s.id);
    case 'list': return target.split(',').map((x) => x.trim()).includes(s.id);
    case 'pcre': return new RegExp(`^(?:${target})`).test(s.id);
    case 'grain': return matchData(s.grains, target, false);
    case 'grain_pcre': return matchData(s.grains, target, true);
    case 'pillar': return matchData(s.pillar, target, false);
    case 'compound': return evalCompound(target, s);
  }
}

const PREFIX: Record<string, MatchType> = { 'G@': 'grain', 'P@': 'grain_pcre', 'E@': 'pcre', 'L@': 'list', 'I@': 'pillar' };

/** Limits of a compound target (it crosses a trust boundary: the control socket, top files). */
export const MAX_TARGET_DEPTH = 100;
export const MAX_TARGET_LENGTH = 1024 * 1024;

/** Compound targets: `G@os:Debian and edge-* or not L@a,b`, with parentheses. */
export function evalCompound(expr: string, s: MatchSubject): boolean {
  // the error quotes the target: a long one is cut
  const shown = expr.length > 200 ? `${expr.slice(0, 200)}… (${expr.length} characters)` : expr;
  const fail = (reason: string): never => { throw new UmecError('TARGET_SYNTAX', { target: shown, reason }); };
  if (expr.length > MAX_TARGET_LENGTH) fail(`longer than ${MAX_TARGET_LENGTH} characters`);
  const tokens = expr.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) fail('empty expression');
  let i = 0;
  let depth = 0;
  const atom = (): boolean => {
    const t = tokens[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === 'not' || t === '(') {
      // recursion is bounded, so a hostile target gets this error, not a stack overflow
      if (++depth > MAX_TARGET_DEPTH) fail(`parentheses and "not" nested deeper than ${MAX_TARGET_DEPTH} levels`);
      try {
        if (t === 'not') return !atom();
        const v = orExpr();
        if (tokens[i++] !== ')') fail('missing )');
        return v;
      } finally { depth--; }
    }
    if (t === 'and' || t === 'or' || t === ')') return fail(`unexpected '${t}'`);
    const type = PREFIX[t.slice(0, 2)];
    if (type) return matchTarget(t.slice(2), type, s);
    if (/^[A-Z]@/.test(t)) return fail(`unsupported matcher ${t.slice(0, 2)}`);
    return glob(t, s.id);
  };
  const andExpr = (): boolean => {
    let v = atom();
    while (tokens[i] === 'and' || tokens[i] === 'not') {
      if (tokens[i] === 'and') i++;
      const r = atom();
      v = v && r;
    }
    return v;
  };
  const orExpr = (): boolean => {
    let v = andExpr();
    while (tokens[i] === 'or') {
      i++;
      const r = andExpr();
      v = v || r;
    }
    return v;
  };
  // Salt: a leading "not" means "* and not ..."
  const v = orExpr();
  if (i < tokens.length) fail(`unexpected '${tokens[i]}'`);
  return v;
}
