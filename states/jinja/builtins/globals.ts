/**
 * Jinja2's default globals as Salt's SandboxedEnvironment has them: range (the sandbox's
 * safe_range, at most MAX_RANGE items), dict, lipsum, cycler, joiner, namespace.
 */
import { JinjaError, typeError, valueError } from '../errors.js';
import { updateDict } from '../py/methods.js';
import { dictSet, typeName } from '../py/ops.js';
import { Namespace, PyFloat, PyFunction, PyObject, PyRange, Tuple, Undefined, type Dict, type Kwargs, type Value } from '../values.js';
import { LOREM_IPSUM_WORDS } from './lipsum-words.js';
import { bind } from './support.js';

/** jinja2.sandbox.MAX_RANGE */
export const MAX_RANGE = 100000;

export interface GlobalsOptions {
  /** How an Undefined argument is named in TypeErrors (StrictUndefined or Undefined). */
  strictUndefined?: boolean;
}

function rangeArg(v: Value, strict: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const name = v instanceof Undefined ? (strict ? 'StrictUndefined' : 'Undefined') : typeName(v);
  throw typeError(`'${name}' object cannot be interpreted as an integer`);
}

function makeRange(strict: boolean): PyFunction {
  return new PyFunction('range', (args, kwargs) => {
    if (kwargs.size) throw typeError(`safe_range() got an unexpected keyword argument '${[...kwargs.keys()][0]}'`);
    if (args.length === 0) throw typeError('range expected at least 1 argument, got 0');
    if (args.length > 3) throw typeError(`range expected at most 3 arguments, got ${args.length}`);
    const n = args.map((a) => rangeArg(a, strict));
    const [start, stop, step] = n.length === 1 ? [0, n[0], 1] : [n[0], n[1], n[2] ?? 1];
    if (step === 0) throw valueError('range() arg 3 must not be zero');
    const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
    if (count > MAX_RANGE) {
      throw new JinjaError('OverflowError', `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`);
    }
    return PyRange.create(start, stop, step, count);
  });
}

/** dict(*args, **kwargs) */
export function pyDict(args: Value[], kwargs: Kwargs): Dict {
  if (args.length > 1) throw typeError(`dict expected at most 1 argument, got ${args.length}`);
  const d: Dict = new Map();
  if (args.length) updateDict(d, args[0]);
  for (const [k, v] of kwargs) dictSet(d, k, v);
  return d;
}

/** jinja2.utils.Cycler */
class Cycler extends PyObject {
  readonly typeName = 'Cycler';
  private pos = 0;
  private readonly address = (0x7f0000100000 + Math.floor(Math.random() * 0xfffff) * 0x10).toString(16);
  constructor(private readonly items: Value[]) { super(); }
  override getattr(name: string): Value | undefined {
    switch (name) {
      case 'next':
      case '__next__':
        return new PyFunction('next', (args, kwargs) => {
          bind('next', args, kwargs, []);
          const rv = this.items[this.pos]!;
          this.pos = (this.pos + 1) % this.items.length;
          return rv;
        });
      case 'reset':
        return new PyFunction('reset', (args, kwargs) => { bind('reset', args, kwargs, []); this.pos = 0; return null; });
      case 'current': return this.items[this.pos]!;
      case 'items': return Tuple.make(this.items);
      case 'pos': return this.pos;
      default: return undefined;
    }
  }
  override str(): string { return `<jinja2.utils.Cycler object at 0x${this.address}>`; }
}

function randrange(a: number, b: number): number {
  if (b <= a) throw valueError(`empty range for randrange() (${a}, ${b}, ${b - a})`);
  return a + Math.floor(Math.random() * (b - a));
}

const htmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');

const truthyArg = (v: Value): boolean =>
  !(v === null || v === false || v === 0 || v === '' || (v instanceof PyFloat && v.value === 0) || (Array.isArray(v) && !v.length) || (v instanceof Map && !v.size));

const intArg = (v: Value): number => rangeArg(v, true);

/** jinja2.utils.generate_lorem_ipsum: n paragraphs of min to max-1 words. */
export function lipsum(n = 5, html = true, min = 20, max = 100): string {
  const words = LOREM_IPSUM_WORDS.split(/\s+/).filter(Boolean);
  const result: string[] = [];
  for (let p = 0; p < n; p++) {
    let nextCapitalized = true;
    let lastComma = 0;
    let lastFullstop = 0;
    let last: string | undefined;
    const para: string[] = [];
    const count = randrange(min, max);
    for (let idx = 0; idx < count; idx++) {
      let word: string;
      do { word = words[Math.floor(Math.random() * words.length)]!; } while (word === last);
      last = word;
      if (nextCapitalized) { word = word[0].toUpperCase() + word.slice(1); nextCapitalized = false; }
      if (idx - randrange(3, 8) > lastComma) { lastComma = idx; lastFullstop += 2; word += ','; }
      if (idx - randrange(10, 20) > lastFullstop) { lastComma = lastFullstop = idx; word += '.'; nextCapitalized = true; }
      para.push(word);
    }
    let text = para.join(' ');
    if (text.endsWith(',')) text = `${text.slice(0, -1)}.`;
    else if (!text.endsWith('.')) text += '.';
    result.push(text);
  }
  return html ? result.map((x) => `<p>${htmlEscape(x)}</p>`).join('\n') : result.join('\n\n');
}

/** The globals every Environment starts with (fresh objects for each). */
export function builtinGlobals(o: GlobalsOptions = {}): Record<string, Value> {
  const strict = o.strictUndefined ?? true;
  return {
    range: makeRange(strict),
    dict: new PyFunction('dict', pyDict),
    lipsum: new PyFunction('generate_lorem_ipsum', (args, kwargs) => {
      const [n, html, min, max] = bind('generate_lorem_ipsum', args, kwargs, [['n', 5], ['html', true], ['min', 20], ['max', 100]]);
      return lipsum(intArg(n), truthyArg(html), intArg(min), intArg(max));
    }),
    cycler: new PyFunction('Cycler', (args, kwargs) => {
      if (kwargs.size) throw typeError(`Cycler.__init__() got an unexpected keyword argument '${[...kwargs.keys()][0]}'`);
      if (!args.length) throw new JinjaError('RuntimeError', 'at least one item has to be provided');
      return new Cycler([...args]);
    }),
    joiner: new PyFunction('Joiner', (args, kwargs) => {
      const [sep] = bind('Joiner.__init__', args, kwargs, [['sep', ', ']]);
      let used = false;
      return new PyFunction('Joiner', (a, k) => {
        bind('Joiner.__call__', a, k, []);
        if (!used) { used = true; return ''; }
        return sep!;
      });
    }),
    namespace: new PyFunction('Namespace', (args, kwargs) => {
      const ns = new Namespace();
      for (const [k, v] of pyDict(args, kwargs)) {
        // attributes are names; Jinja2 keeps any key, but only string keys can be reached
        if (typeof k === 'string') ns.attrs.set(k, v);
      }
      return ns;
    }),
  };
}
