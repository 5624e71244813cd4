/**
 * The pprint filter: Python's pprint.pformat(value) with its defaults (indent=1, width=80,
 * sort_dicts=True): dict keys sorted at every depth, containers broken over lines when their
 * repr is wider than what is left of the 80 columns, long strings split into adjacent literals.
 */
import { JinjaError } from '../errors.js';
import { compare, pyRepr, typeName } from '../py/ops.js';
import { Tuple, Undefined, type Value } from '../values.js';

const WIDTH = 80;

/** pprint's _safe_key ordering: `<` where the types allow it, else by the type's name. */
function safeLess(a: Value, b: Value): boolean {
  try {
    return compare('<', a, b);
  } catch (e) {
    if (!(e instanceof JinjaError && e.kind === 'TypeError')) throw e;
    return `<class '${typeName(a)}'>` < `<class '${typeName(b)}'>`;
  }
}

function sortedItems(m: Map<Value, Value>): [Value, Value][] {
  const items = [...m];
  return items.sort((x, y) => {
    // _safe_tuple: by key, then by value
    if (safeLess(x[0], y[0])) return -1;
    if (safeLess(y[0], x[0])) return 1;
    if (safeLess(x[1], y[1])) return -1;
    if (safeLess(y[1], x[1])) return 1;
    return 0;
  });
}

/** pprint's _safe_repr: repr with dicts sorted, recursively. */
function safeRepr(v: Value): string {
  if (v instanceof Undefined) return 'Undefined';
  if (v instanceof Tuple) return v.length === 1 ? `(${safeRepr(v[0])},)` : `(${v.map(safeRepr).join(', ')})`;
  if (Array.isArray(v)) return `[${v.map(safeRepr).join(', ')}]`;
  if (v instanceof Map) return `{${sortedItems(v).map(([k, x]) => `${safeRepr(k)}: ${safeRepr(x)}`).join(', ')}}`;
  return pyRepr(v);
}

 
const LINE_WITH_END = /[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])?/gu;

class Printer {
  out = '';

  format(v: Value, indent: number, allowance: number, level: number): void {
    const rep = safeRepr(v);
    if (rep.length > WIDTH - indent - allowance) {
      if (v instanceof Map) return this.dict(v, indent, allowance, level + 1);
      if (v instanceof Tuple) return this.tuple(v, indent, allowance, level + 1);
      if (Array.isArray(v)) return this.list(v, indent, allowance, level + 1);
      if (typeof v === 'string') return this.str(v, indent, allowance, level + 1);
    }
    this.out += rep;
  }

  dict(m: Map<Value, Value>, indent: number, allowance: number, level: number): void {
    this.out += '{';
    if (m.size) {
      const items = sortedItems(m);
      const ind = indent + 1;
      items.forEach(([k, x], i) => {
        const last = i === items.length - 1;
        const rep = safeRepr(k);
        this.out += `${rep}: `;
        this.format(x, ind + rep.length + 2, last ? allowance + 1 : 1, level);
        if (!last) this.out += `,\n${' '.repeat(ind)}`;
      });
    }
    this.out += '}';
  }

  list(l: Value[], indent: number, allowance: number, level: number): void {
    this.out += '[';
    this.items(l, indent, allowance + 1, level);
    this.out += ']';
  }

  tuple(t: Value[], indent: number, allowance: number, level: number): void {
    this.out += '(';
    const end = t.length === 1 ? ',)' : ')';
    this.items(t, indent, allowance + end.length, level);
    this.out += end;
  }

  items(items: Value[], indent: number, allowance: number, level: number): void {
    const ind = indent + 1;
    items.forEach((x, i) => {
      const last = i === items.length - 1;
      if (i > 0) this.out += `,\n${' '.repeat(ind)}`;
      this.format(x, ind, last ? allowance : 1, level);
    });
  }

  str(s: string, indent: number, allowance: number, level: number): void {
    if (!s.length) { this.out += pyRepr(s); return; }
    const chunks: string[] = [];
    const lines = (s.match(LINE_WITH_END) ?? []).filter((l) => l !== '');
    if (level === 1) { indent += 1; allowance += 1; }
    const maxWidth = WIDTH - indent;
    let maxWidth1 = maxWidth;
    let rep = '';
    lines.forEach((line, i) => {
      rep = pyRepr(line);
      if (i === lines.length - 1) maxWidth1 -= allowance;
      if (rep.length <= maxWidth1) { chunks.push(rep); return; }
      // alternating runs of non-space and space, as re.findall(r'\S*\s*') gives them
      const parts = (line.match(/\S*\s*/gu) ?? []).filter((p) => p !== '');
      let maxWidth2 = maxWidth;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && i === lines.length - 1) maxWidth2 -= allowance;
        if (pyRepr(candidate).length > maxWidth2) {
          if (current) chunks.push(pyRepr(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) chunks.push(pyRepr(current));
    });
    if (chunks.length === 1) { this.out += rep; return; }
    if (level === 1) this.out += '(';
    this.out += chunks.join(`\n${' '.repeat(indent)}`);
    if (level === 1) this.out += ')';
  }
}

/** pprint.pformat(value) */
export function pformat(v: Value): string {
  const p = new Printer();
  p.format(v, 0, 0, 0);
  return p.out;
}
