/**
 * PyYAML's safe_dump as Salt calls it (salt.utils.yaml.safe_dump with SafeOrderedDumper,
 * allow_unicode=True, width 80, indent 2), so `{{ x|yaml }}` prints the very text Salt prints:
 * same scalar styles, same quoting, same line folding of long flow collections, same anchors
 * for an object that appears twice. A port of the parts of PyYAML's representer, serializer and
 * emitter that safe data reaches (no tags, no block scalars: the representer never asks for them).
 */
import { JinjaError } from '../jinja/errors.js';
import { pyRepr } from '../jinja/py/ops.js';
import { PyFloat, Tuple, type Value } from '../jinja/values.js';
import { OrderedDict } from './yaml-load.js';
import { resolvePlain } from './yaml-scalar.js';

type Node =
  | { kind: 'scalar'; tag: string; value: string }
  | { kind: 'seq'; items: Node[]; flow: boolean }
  | { kind: 'map'; pairs: [Node, Node][]; flow: boolean };

export interface DumpOptions {
  /** PyYAML's default_flow_style: true (Salt's `|yaml`), false (`|yaml(False)`), null (PyYAML's choice per collection). */
  flowStyle?: boolean | null;
  width?: number;
  /** PyYAML's allow_unicode (Salt's safe_dump: on; salt.serializers.yaml: off, non-ASCII escaped). */
  allowUnicode?: boolean;
  /** Sort OrderedDict keys too (salt.serializers.yaml represents OrderedDict as a plain dict). */
  sortOrdered?: boolean;
}

/** Python's float repr as YAML writes it (PyYAML represent_float). */
function floatText(v: number): string {
  if (Number.isNaN(v)) return '.nan';
  if (v === Infinity) return '.inf';
  if (v === -Infinity) return '-.inf';
  let s = pyRepr(new PyFloat(v)).toLowerCase();
  if (!s.includes('.') && s.includes('e')) s = s.replace('e', '.0e');
  return s;
}

const cmpCodePoints = (a: string, b: string): number => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

/** Python's sorted() over dict keys; undefined when Python would raise TypeError (mixed kinds). */
function sortKeys(keys: Value[]): Value[] | undefined {
  const num = (k: Value): number | undefined => (typeof k === 'number' ? k : typeof k === 'boolean' ? Number(k) : k instanceof PyFloat ? k.value : undefined);
  if (keys.every((k) => typeof k === 'string')) return [...keys].sort((a, b) => cmpCodePoints(a, b));
  if (keys.every((k) => num(k) !== undefined)) return [...keys].sort((a, b) => num(a)! - num(b)!);
  if (keys.every((k) => k instanceof Tuple || Array.isArray(k))) return undefined;
  return keys.length <= 1 ? keys : undefined;
}

class Representer {
  private readonly nodes = new Map<object, Node>();
  constructor(private readonly flowStyle: boolean | null, private readonly sortOrdered = false) {}

  represent(v: Value): Node {
    if (v === null) return { kind: 'scalar', tag: 'null', value: 'null' };
    if (typeof v === 'string') return { kind: 'scalar', tag: 'str', value: v };
    if (typeof v === 'boolean') return { kind: 'scalar', tag: 'bool', value: v ? 'true' : 'false' };
    if (typeof v === 'number') return { kind: 'scalar', tag: 'int', value: String(v) };
    if (v instanceof PyFloat) return { kind: 'scalar', tag: 'float', value: floatText(v.value) };
    if (Array.isArray(v) || v instanceof Map) {
      const done = this.nodes.get(v);
      if (done) return done; // the same object twice: the serializer gives it an anchor
      if (Array.isArray(v)) {
        const node: Node = { kind: 'seq', items: [], flow: false };
        this.nodes.set(v, node);
        for (const x of v) node.items.push(this.represent(x));
        node.flow = this.flowStyle ?? node.items.every((i) => i.kind === 'scalar');
        return node;
      }
      const node: Node = { kind: 'map', pairs: [], flow: false };
      this.nodes.set(v, node);
      // a dict is dumped sorted (when Python can sort its keys), an OrderedDict as it is
      const keys = v instanceof OrderedDict && !this.sortOrdered ? [...v.keys()] : sortKeys([...v.keys()]) ?? [...v.keys()];
      for (const k of keys) node.pairs.push([this.represent(k), this.represent(v.get(k)!)]);
      node.flow = this.flowStyle ?? node.pairs.every(([a, b]) => a.kind === 'scalar' && b.kind === 'scalar');
      return node;
    }
    // Salt's SafeOrderedDumper represents anything else as NULL
    return { kind: 'scalar', tag: 'null', value: 'NULL' };
  }
}

interface Analysis {
  empty: boolean; multiline: boolean; allowFlowPlain: boolean; allowBlockPlain: boolean; allowSingle: boolean;
}

const BREAKS = '\n\x85\u2028\u2029';
const WS = '\0 \t\r\n\x85\u2028\u2029';

function analyze(scalar: string, allowUnicode: boolean): Analysis {
  const chars = [...scalar];
  if (chars.length === 0) return { empty: true, multiline: false, allowFlowPlain: false, allowBlockPlain: true, allowSingle: true };
  let blockInd = false, flowInd = false, lineBreaks = false, special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false, breakSpace = false, spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) { blockInd = true; flowInd = true; }
  let precededByWs = true;
  let followedByWs = chars.length === 1 || WS.includes(chars[1]);
  let prevSpace = false, prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) { flowInd = true; blockInd = true; }
      if (ch === '?' || ch === ':') { flowInd = true; if (followedByWs) blockInd = true; }
      if (ch === '-' && followedByWs) { flowInd = true; blockInd = true; }
    } else {
      if (',?[]{}'.includes(ch)) flowInd = true;
      if (ch === ':') { flowInd = true; if (followedByWs) blockInd = true; }
      if (ch === '#' && precededByWs) { flowInd = true; blockInd = true; }
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      const uni = (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp < 0x10ffff)) && cp !== 0xfeff;
      if (!uni || !allowUnicode) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true; prevBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false; prevBreak = true;
    } else { prevSpace = false; prevBreak = false; }
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= chars.length || WS.includes(chars[i + 2]);
  }
  let allowFlowPlain = true, allowBlockPlain = true, allowSingle = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowFlowPlain = allowBlockPlain = false;
  if (breakSpace) allowFlowPlain = allowBlockPlain = allowSingle = false;
  if (spaceBreak || special) allowFlowPlain = allowBlockPlain = allowSingle = false;
  if (lineBreaks) allowFlowPlain = allowBlockPlain = false;
  if (flowInd) allowFlowPlain = false;
  if (blockInd) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowFlowPlain, allowBlockPlain, allowSingle };
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\t': 't', '\n': 'n', '\x0b': 'v', '\x0c': 'f', '\r': 'r', '\x1b': 'e',
  '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};
const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, '0');

/** PyYAML's Emitter, for the events the serializer makes from representer nodes. */
class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private flowLevel = 0;
  private rootContext = false;
  private mappingContext = false;
  private simpleKeyContext = false;
  private readonly anchors = new Map<Node, string | null>();
  private readonly serialized = new Set<Node>();
  private lastAnchor = 0;

  constructor(private readonly bestWidth: number, private readonly allowUnicode = true) {}

  dump(root: Node): string {
    this.anchorNode(root);
    this.node(root, { root: true });
    this.writeIndent(); // document end
    if (this.openEnded) { this.writeIndicator('...', true); this.writeIndent(); }
    return this.out;
  }

  /** Emitter.write_double_quoted / write_single_quoted on a fresh emitter (Salt's yaml_dquote / yaml_squote). */
  quoted(style: '"' | "'", text: string): string {
    if (style === '"') this.writeDouble(text, true);
    else this.writeSingle(text, true);
    return this.out;
  }

  private anchorNode(n: Node): void {
    if (this.anchors.has(n)) {
      if (this.anchors.get(n) === null) this.anchors.set(n, `id${String(++this.lastAnchor).padStart(3, '0')}`);
      return;
    }
    this.anchors.set(n, null);
    if (n.kind === 'seq') for (const i of n.items) this.anchorNode(i);
    if (n.kind === 'map') for (const [k, v] of n.pairs) { this.anchorNode(k); this.anchorNode(v); }
  }

  private write(data: string): void {
    this.out += data;
    this.column += [...data].length;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    const data = this.whitespace || !needWhitespace ? indicator : ` ${indicator}`;
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
    this.write(data);
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? 2 : 0;
    else if (!indentless) this.indent += 2;
  }

  private node(n: Node, ctx: { root?: boolean; sequence?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    this.rootContext = !!ctx.root;
    this.mappingContext = !!ctx.mapping;
    this.simpleKeyContext = !!ctx.simpleKey;
    const anchor = this.anchors.get(n) ?? null;
    if (this.serialized.has(n)) { // an alias
      this.writeIndicator(`*${anchor}`, true);
      return;
    }
    this.serialized.add(n);
    if (anchor) this.writeIndicator(`&${anchor}`, true);
    if (n.kind === 'scalar') {
      const style = this.chooseStyle(n);
      this.increaseIndent(true);
      const split = !this.simpleKeyContext;
      if (style === '"') this.writeDouble(n.value, split);
      else if (style === "'") this.writeSingle(n.value, split);
      else this.writePlain(n.value, split);
      this.indent = this.indents.pop()!;
    } else if (n.kind === 'seq') {
      if (this.flowLevel > 0 || n.flow || n.items.length === 0) this.flowSequence(n);
      else this.blockSequence(n);
    } else if (this.flowLevel > 0 || n.flow || n.pairs.length === 0) this.flowMapping(n);
    else this.blockMapping(n);
  }

  private implicitPlain(n: Extract<Node, { kind: 'scalar' }>): boolean {
    return resolvePlain(n.value) === n.tag;
  }

  private chooseStyle(n: Extract<Node, { kind: 'scalar' }>): '' | "'" | '"' {
    const a = analyze(n.value, this.allowUnicode);
    if (this.implicitPlain(n)) {
      if (!(this.simpleKeyContext && (a.empty || a.multiline))
        && ((this.flowLevel > 0 && a.allowFlowPlain) || (this.flowLevel === 0 && a.allowBlockPlain))) return '';
    }
    if (a.allowSingle && !(this.simpleKeyContext && a.multiline)) return "'";
    return '"';
  }

  private checkSimpleKey(n: Node): boolean {
    if (this.serialized.has(n)) return true; // alias
    let length = 0;
    const anchor = this.anchors.get(n);
    if (anchor) length += anchor.length;
    if (n.kind === 'scalar') {
      length += `!!${n.tag}`.length + n.value.length; // the serializer's event carries the tag
      const a = analyze(n.value, this.allowUnicode);
      return length < 128 && !a.empty && !a.multiline;
    }
    return length < 128 && ((n.kind === 'seq' && n.items.length === 0) || (n.kind === 'map' && n.pairs.length === 0));
  }

  private flowSequence(n: Extract<Node, { kind: 'seq' }>): void {
    this.writeIndicator('[', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    n.items.forEach((item, i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      this.node(item, { sequence: true });
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator(']', false);
  }

  private flowMapping(n: Extract<Node, { kind: 'map' }>): void {
    this.writeIndicator('{', true, true);
    this.flowLevel++;
    this.increaseIndent(true);
    n.pairs.forEach(([k, v], i) => {
      if (i > 0) this.writeIndicator(',', false);
      if (this.column > this.bestWidth) this.writeIndent();
      if (this.checkSimpleKey(k)) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true);
        this.node(k, { mapping: true });
        if (this.column > this.bestWidth) this.writeIndent();
        this.writeIndicator(':', true);
      }
      this.node(v, { mapping: true });
    });
    this.indent = this.indents.pop()!;
    this.flowLevel--;
    this.writeIndicator('}', false);
  }

  private blockSequence(n: Extract<Node, { kind: 'seq' }>): void {
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of n.items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.indent = this.indents.pop()!;
  }

  private blockMapping(n: Extract<Node, { kind: 'map' }>): void {
    this.increaseIndent(false);
    for (const [k, v] of n.pairs) {
      this.writeIndent();
      if (this.checkSimpleKey(k)) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(k, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(v, { mapping: true });
    }
    this.indent = this.indents.pop()!;
  }

  private writePlain(text: string, split: boolean): void {
    if (this.rootContext) this.openEnded = true;
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const t = [...text];
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(t.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(t.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private writeSingle(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    const t = [...text];
    let spaces = false, breaks = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > this.bestWidth && split && start !== 0 && end !== t.length) this.writeIndent();
          else this.write(t.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (t[start] === '\n') this.writeLineBreak();
          for (const br of t.slice(start, end)) this.writeLineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if ((ch === undefined || ' \n\x85\u2028\u2029\''.includes(ch)) && start < end) {
        this.write(t.slice(start, end).join(''));
        start = end;
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) { spaces = ch === ' '; breaks = BREAKS.includes(ch); }
    }
    this.writeIndicator("'", false);
  }

  private writeDouble(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    const t = [...text];
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : undefined;
      const cp = ch?.codePointAt(0) ?? 0;
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch)
        || !((cp >= 0x20 && cp <= 0x7e) || (this.allowUnicode && ((cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd))))) {
        if (start < end) { this.write(t.slice(start, end).join('')); start = end; }
        if (ch !== undefined) {
          const data = ch in ESCAPES ? `\\${ESCAPES[ch]}` : cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (end > 0 && end < t.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > this.bestWidth && split) {
        const data = `${t.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (t[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }
}

/** yaml.safe_dump(value, default_flow_style=..., allow_unicode=True) exactly (the whole stream text). */
export function safeDump(value: Value, o: DumpOptions = {}): string {
  const root = new Representer(o.flowStyle === undefined ? null : o.flowStyle, o.sortOrdered).represent(value);
  return new Emitter(o.width ?? 80, o.allowUnicode ?? true).dump(root);
}

/** Salt's `yaml` filter (SerializerExtension.format_yaml): safe_dump, stripped, without a final "\n...". */
export function formatYaml(value: Value, flowStyle: boolean = true): string {
  let text = safeDump(value, { flowStyle }).trim();
  if (text.endsWith('\n...')) text = text.slice(0, -4);
  return text;
}

// Salt's yaml_dquote/yaml_squote use a bare yaml.emitter.Emitter: never folded, and (allow_unicode off) non-ASCII escaped
/** Salt's yaml_dquote filter: a double-quoted YAML scalar. */
export const yamlDquote = (text: string): string => new Emitter(Number.MAX_SAFE_INTEGER, false).quoted('"', text);
/** Salt's yaml_squote filter: a single-quoted YAML scalar. */
export const yamlSquote = (text: string): string => new Emitter(Number.MAX_SAFE_INTEGER, false).quoted("'", text);

/** Salt's yaml_encode filter: a scalar as YAML text (strings double-quoted); a collection is a TypeError. */
export function yamlEncode(value: Value): string {
  const node = new Representer(null).represent(value);
  if (node.kind !== 'scalar') throw new JinjaError('TypeError', `yaml_encode() only works with YAML scalar data; failed for <class '${Array.isArray(value) ? 'list' : 'dict'}'>`);
  return node.tag === 'str' ? yamlDquote(node.value) : node.value;
}
