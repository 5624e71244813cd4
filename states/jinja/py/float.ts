/**
 * Python's float to text conversions, exactly: repr() (shortest round-trip digits with
 * Python's exponent rule: exponent form when the decimal point is at <= -4 or > 16) and the
 * 'e'/'f'/'g' conversions of `%` and format() (correctly rounded from the exact binary value,
 * ties to even, like CPython's dtoa; JS toFixed/toExponential round ties away from zero).
 */

/** The exact value of a finite positive double as mant * 2^exp. */
function decompose(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else { mant |= 1n << 52n; exp = biased - 1075; }
  return { mant, exp };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** round-half-even(num / den) for non-negative bigints. */
function divRound(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** |x| * 10^k as an exact fraction. */
function scaled(x: number, k: number): { num: bigint; den: bigint } {
  const { mant, exp } = decompose(Math.abs(x));
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp); else den <<= BigInt(-exp);
  if (k >= 0) num *= pow10(k); else den *= pow10(-k);
  return { num, den };
}

/** |x| rounded to `prec` decimals: the digit string of round(|x| * 10^prec) (at least prec+1 digits). */
function fixedDigits(x: number, prec: number): string {
  if (x === 0) return '0'.repeat(prec + 1);
  const { num, den } = scaled(x, prec);
  return divRound(num, den).toString().padStart(prec + 1, '0');
}

/** |x| rounded to `n` significant digits: the digits (exactly n) and decpt (value = 0.DIGITS * 10^decpt). */
export function sigDigits(x: number, n: number): { digits: string; decpt: number } {
  if (x === 0) return { digits: '0'.repeat(n), decpt: 1 };
  const ax = Math.abs(x);
  let e = Math.floor(Math.log10(ax)); // 10^e <= ax < 10^(e+1), maybe off by one
  const lo = pow10(n - 1);
  const hi = pow10(n);
  for (;;) {
    const { num, den } = scaled(ax, n - 1 - e);
    const floor = num / den;
    if (floor >= hi) { e += 1; continue; }
    if (floor < lo) { e -= 1; continue; }
    let q = divRound(num, den);
    if (q === hi) { q = lo; e += 1; }
    return { digits: q.toString(), decpt: e + 1 };
  }
}

/** The shortest digits that round-trip (JS and Python agree on these) and the decimal point. */
export function shortestDigits(x: number): { digits: string; decpt: number } {
  if (x === 0) return { digits: '0', decpt: 1 };
  const s = Math.abs(x).toExponential(); // "d.ddde+N": shortest round-trip digits
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
  return { digits: m[1] + (m[2] ?? ''), decpt: Number(m[3]) + 1 };
}

function expSuffix(e: number, upper: boolean): string {
  const a = Math.abs(e);
  return (upper ? 'E' : 'e') + (e < 0 ? '-' : '+') + (a < 10 ? `0${a}` : String(a));
}

/** digits with the decimal point at decpt, no exponent. */
function placePoint(digits: string, decpt: number): string {
  if (decpt <= 0) return `0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return digits + '0'.repeat(decpt - digits.length);
  return `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

export interface FloatFormat {
  /** 'r' = repr; 'e' 'f' 'g' as in printf (upper case variants via `upper`). */
  type: 'r' | 'e' | 'f' | 'g';
  precision?: number;
  /** '#' flag: keep the point and trailing zeros. */
  alt?: boolean;
  /** format() without a type: 'g' that always shows a digit after the point. */
  addDot0?: boolean;
  upper?: boolean;
}

/**
 * The text of |x| (no sign) in one of Python's float formats; `negative` says whether a
 * '-' belongs in front (true for -0.0 too). inf and nan give 'inf'/'nan' ('INF'/'NAN' upper).
 */
export function formatFloatAbs(x: number, f: FloatFormat): { text: string; negative: boolean } {
  const negative = x < 0 || Object.is(x, -0);
  const upper = !!f.upper;
  if (Number.isNaN(x)) return { text: upper ? 'NAN' : 'nan', negative: false };
  if (!Number.isFinite(x)) return { text: upper ? 'INF' : 'inf', negative };
  const alt = !!f.alt;
  let text: string;
  switch (f.type) {
    case 'r': {
      const { digits, decpt } = shortestDigits(x);
      if (decpt <= -4 || decpt > 16) {
        text = digits[0] + (digits.length > 1 ? `.${digits.slice(1)}` : alt ? '.' : '') + expSuffix(decpt - 1, upper);
      } else {
        text = placePoint(digits, decpt);
        if (!text.includes('.')) text += '.0';
      }
      break;
    }
    case 'f': {
      const p = f.precision ?? 6;
      const d = fixedDigits(x, p);
      const ip = d.slice(0, d.length - p);
      text = p > 0 ? `${ip}.${d.slice(d.length - p)}` : alt ? `${ip}.` : ip;
      break;
    }
    case 'e': {
      const p = f.precision ?? 6;
      const { digits, decpt } = sigDigits(x, p + 1);
      const e = x === 0 ? 0 : decpt - 1;
      text = digits[0] + (p > 0 ? `.${digits.slice(1)}` : alt ? '.' : '') + expSuffix(e, upper);
      break;
    }
    case 'g': {
      let p = f.precision ?? 6;
      if (p === 0) p = 1;
      let { digits, decpt } = sigDigits(x, p);
      if (x === 0) decpt = 1;
      if (!alt) { digits = digits.replace(/0+$/, ''); if (digits === '') digits = '0'; }
      const useExp = decpt <= -4 || decpt > (f.addDot0 ? p - 1 : p);
      if (useExp) {
        text = digits[0] + (digits.length > 1 ? `.${digits.slice(1)}` : alt ? '.' : '') + expSuffix(decpt - 1, upper);
      } else {
        text = placePoint(digits, decpt);
        if (!text.includes('.')) {
          if (alt) text += '.';
          else if (f.addDot0) text += '.0';
        }
      }
      break;
    }
  }
  return { text, negative };
}

/** Python repr(float) / str(float). */
export function floatRepr(x: number): string {
  const { text, negative } = formatFloatAbs(x, { type: 'r' });
  return negative ? `-${text}` : text;
}

/** An integral JS number as Python prints the int (exact digits beyond 2^53, no exponent). */
export function intRepr(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  return BigInt(n).toString();
}

const bitLength = (n: bigint): number => n.toString(2).length;

/** num/den (positive) correctly rounded to a double (ties to even). */
export function ratioToDouble(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = 55 - (bitLength(num) - bitLength(den));
  const n = shift >= 0 ? num << BigInt(shift) : num;
  const d = shift >= 0 ? den : den << BigInt(-shift);
  let q = n / d;
  const sticky = n % d !== 0n;
  let e = -shift;
  // keep 53 bits, fewer when the result is subnormal
  const top = e + bitLength(q) - 1;
  const allowed = top < -1022 ? Math.max(0, 53 - (-1022 - top)) : 53;
  const extra = bitLength(q) - allowed;
  if (extra > 0) {
    const dropped = q & ((1n << BigInt(extra)) - 1n);
    const half = 1n << BigInt(extra - 1);
    q >>= BigInt(extra);
    e += extra;
    if (dropped > half || (dropped === half && (sticky || (q & 1n) === 1n))) q += 1n;
  }
  return Number(q) * 2 ** e;
}

/** x ** y for an integral y, correctly rounded from the exact power (as C's pow is; JS ** is not). */
export function powInt(x: number, y: number): number {
  if (x === 0 || !Number.isFinite(x) || Math.abs(y) > 1100) return x ** y;
  const neg = x < 0 && Math.abs(y) % 2 === 1;
  const { mant, exp } = decompose(Math.abs(x));
  const k = BigInt(Math.abs(y));
  let num = mant ** k;
  let den = 1n;
  const e2 = exp * Math.abs(y);
  if (e2 >= 0) num <<= BigInt(e2); else den <<= BigInt(-e2);
  const r = y >= 0 ? ratioToDouble(num, den) : ratioToDouble(den, num);
  return neg ? -r : r;
}
