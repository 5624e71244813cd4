/**
 * Python's number parsing and rounding as the numeric filters need them: int(str, base),
 * float(str), round() (correctly rounded, ties to even, on the double's exact value) and
 * '%.Nf' formatting.
 */
import { JinjaError, valueError } from '../errors.js';
import { PY_WHITESPACE, strip } from './support.js';

const reprStr = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** int(s, base) for a str; throws ValueError like Python. */
export function parsePyInt(s: string, base: number): number {
  if (base !== 0 && (base < 2 || base > 36)) throw valueError('int() base must be >= 2 and <= 36, or 0');
  const bad = (): JinjaError => valueError(`invalid literal for int() with base ${base}: ${reprStr(s)}`);
  let t = strip(s, PY_WHITESPACE);
  let neg = false;
  if (t[0] === '+' || t[0] === '-') { neg = t[0] === '-'; t = t.slice(1); }
  let b = base;
  let prefixed = false;
  const pre = t.slice(0, 2).toLowerCase();
  const prefixBase = pre === '0x' ? 16 : pre === '0o' ? 8 : pre === '0b' ? 2 : 0;
  if (prefixBase && (b === 0 || b === prefixBase)) { b = prefixBase; t = t.slice(2); prefixed = true; }
  if (b === 0) {
    b = 10;
    // base 0 takes no leading zeros in a decimal ("010" is an error, "00" is zero)
    if (/^0/.test(t) && !/^0(_?0)*$/.test(t)) throw bad();
  }
  if (prefixed && t.startsWith('_')) t = t.slice(1);
  if (!/^[0-9a-z](_?[0-9a-z])*$/i.test(t)) throw bad();
  let n = 0n;
  for (const ch of t.replace(/_/g, '')) {
    const d = parseInt(ch, 36);
    if (d >= b) throw bad();
    n = n * BigInt(b) + BigInt(d);
  }
  const v = Number(n);
  return neg ? -v : v;
}

const FLOAT_RE = /^[+-]?(?:(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:e[+-]?\d(?:_?\d)*)?|inf|infinity|nan)$/i;

/** float(s) for a str; throws ValueError like Python. */
export function parsePyFloat(s: string): number {
  const t = strip(s, PY_WHITESPACE);
  if (!FLOAT_RE.test(t)) throw valueError(`could not convert string to float: ${reprStr(s)}`);
  const u = t.replace(/_/g, '').toLowerCase();
  const neg = u.startsWith('-');
  const body = u.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return neg ? -Infinity : Infinity;
  if (body === 'nan') return NaN;
  return Number(u);
}

/** The exact decimal digits of a finite double: integer part and fraction (no trailing zeros). */
function exactDecimal(x: number): { int: string; frac: string } {
  const a = Math.abs(x);
  if (a >= 1e21) return { int: BigInt(a).toString(), frac: '' };
  const [i, f = ''] = a.toFixed(100).split('.');
  return { int: i, frac: f.replace(/0+$/, '') };
}

/**
 * The decimal digits of |x| rounded to `nd` places (nd < 0 rounds to tens, hundreds, ...),
 * ties to even on the exact binary value, as Python's round() and '%.Nf' do.
 */
function roundedDigits(x: number, nd: number): { int: string; frac: string } {
  const { int, frac } = exactDecimal(x);
  const fracPadded = nd > 0 ? frac.padEnd(nd, '0') : frac;
  const all = int + fracPadded;
  const keep = int.length + nd;
  if (keep < 0) return { int: '0', frac: '0'.repeat(Math.max(nd, 0)) };
  const kept = all.slice(0, keep);
  const rest = all.slice(keep);
  const lastOdd = kept.length > 0 && Number(kept[kept.length - 1]) % 2 === 1;
  const up = rest.length > 0 && (rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || lastOdd)));
  let digits = kept === '' ? 0n : BigInt(kept);
  if (up) digits += 1n;
  if (nd >= 0) {
    const s = digits.toString().padStart(nd + 1, '0');
    return { int: s.slice(0, s.length - nd), frac: s.slice(s.length - nd) };
  }
  return { int: digits === 0n ? '0' : digits.toString() + '0'.repeat(-nd), frac: '' };
}

/** Python round(x, nd) for a float. */
export function roundFloat(x: number, nd: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (nd > 330) return x;
  const { int, frac } = roundedDigits(x, nd);
  const v = Number(frac ? `${int}.${frac}` : int);
  return x < 0 || Object.is(x, -0) ? -v : v;
}

/** Python round(n, nd) for an int: ties to even; nd >= 0 gives n back. */
export function roundInt(n: number, nd: number): number {
  if (nd >= 0) return n;
  const p = 10n ** BigInt(-nd);
  const b = BigInt(n);
  const neg = b < 0n;
  const a = neg ? -b : b;
  let q = a / p;
  const r = a % p;
  if (r * 2n > p || (r * 2n === p && q % 2n === 1n)) q += 1n;
  const v = Number(q * p);
  return neg ? -v : v;
}

/** Python '%.{nd}f' % x */
export function formatFixed(x: number, nd: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const { int, frac } = roundedDigits(x, nd);
  const body = nd > 0 ? `${int}.${frac}` : int;
  return (x < 0 || Object.is(x, -0)) ? `-${body}` : body;
}
