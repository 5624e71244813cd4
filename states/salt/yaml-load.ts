/**
 * YAML as Salt loads it (SaltYamlSafeLoader): the `yaml` package parses (schema failsafe, so every
 * scalar arrives as its text and nothing is resolved the YAML 1.2 way), then this constructor
 * builds Python values with PyYAML's YAML 1.1 rules (yaml-scalar.ts) and Salt's mapping rules:
 * merge keys (`<<`) flattened as Salt does, and a key given twice is an error ("found conflicting
 * ID"), also when the two spellings are equal Python values (`yes` and `true`).
 */
import { Document, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Node, type Pair, type Scalar } from 'yaml';
import { JinjaError } from '../jinja/errors.js';
import { indentFlowContinuations } from './yaml-flow-indent.js';
import { PyFloat, type Value } from '../jinja/values.js';
import { constructScalar, resolvePlain, type YamlTag } from './yaml-scalar.js';

/** A Python dict Salt built from YAML with its OrderedDict loader (SLS, pillar): `|yaml` keeps its order. */
export class OrderedDict extends Map<Value, Value> {}

export class SaltYamlError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) { super(message); }
}

const TAGS: Record<string, YamlTag | 'map' | 'seq' | 'omap'> = {
  'tag:yaml.org,2002:str': 'str', 'tag:yaml.org,2002:int': 'int', 'tag:yaml.org,2002:float': 'float',
  'tag:yaml.org,2002:bool': 'bool', 'tag:yaml.org,2002:null': 'null', 'tag:yaml.org,2002:timestamp': 'timestamp',
  'tag:yaml.org,2002:map': 'map', 'tag:yaml.org,2002:seq': 'seq', 'tag:yaml.org,2002:omap': 'omap',
  'tag:yaml.org,2002:python/unicode': 'str', '!': 'str',
};

/** Python's hash equality for keys: 1 == 1.0 == True. */
function keyId(k: Value): string {
  if (k === null) return 'None';
  if (typeof k === 'boolean') return `n:${k ? 1 : 0}`;
  if (typeof k === 'number') return `n:${k}`;
  if (k instanceof PyFloat) return `n:${k.value}`;
  return `s:${String(k)}`;
}

const keyText = (k: Value): string =>
  k === null ? 'None' : k === true ? 'True' : k === false ? 'False' : k instanceof PyFloat ? String(k.value) : String(k);

export interface ConstructOptions {
  /** Mappings become OrderedDict (Salt's SLS/pillar renderer) instead of dict (import_yaml, load_yaml). */
  ordered?: boolean;
  /** PyYAML's own SafeLoader rules without Salt's int tweak (salt.serializers.yaml): 0644 is octal 420. */
  plainPyYaml?: boolean;
}

/** Builds Python values from a parsed document's nodes; errors carry the node's line and column. */
export class SaltYamlConstructor {
  private readonly built = new Map<Node, Value>();

  constructor(private readonly doc: Document.Parsed, private readonly lc: LineCounter, private readonly o: ConstructOptions = {}) {}

  fail(message: string, node: unknown): never {
    const range = (node as Node | undefined)?.range;
    const p = range ? this.lc.linePos(range[0]) : { line: 0, col: 0 };
    throw new SaltYamlError(message, p.line, p.col);
  }

  /** The Python value of a node (an alias gives the very object its anchor built, as in Python). */
  construct(node: unknown): Value {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.construct(node.resolve(this.doc));
    const n = node as Node;
    const done = this.built.get(n);
    if (done !== undefined) return done;
    const tag = n.tag ? TAGS[n.tag] : undefined;
    if (n.tag && tag === undefined) this.fail(`could not determine a constructor for the tag '${n.tag}'`, n);
    if (isScalar(n)) {
      if (tag === 'map' || tag === 'seq' || tag === 'omap') this.fail(`expected a ${tag === 'seq' ? 'sequence' : 'mapping'} node, but found scalar`, n);
      return this.scalar(n, tag);
    }
    if (isSeq(n)) {
      if (tag !== undefined && tag !== 'seq') this.fail(`could not construct ${n.tag} from a sequence`, n);
      const out: Value[] = [];
      this.built.set(n, out);
      for (const item of n.items) out.push(this.construct(item));
      return out;
    }
    if (isMap(n)) {
      if (tag !== undefined && tag !== 'map' && tag !== 'omap') this.fail(`could not construct ${n.tag} from a mapping`, n);
      const out: Map<Value, Value> = this.o.ordered ? new OrderedDict() : new Map();
      this.built.set(n, out);
      const seen = new Set<string>();
      for (const pair of this.flatten(n.items)) {
        if (isMap(pair.key) || isSeq(pair.key)) this.fail(`while constructing a mapping: found unacceptable key (unhashable type: '${isMap(pair.key) ? 'dict' : 'list'}')`, pair.key);
        const key = isScalar(pair.key) && pair.key.type === 'PLAIN' && !pair.key.tag && pair.key.value === '=' ? '=' : this.construct(pair.key);
        const id = keyId(key);
        if (seen.has(id)) this.fail(`found conflicting ID '${keyText(key)}'`, pair.key);
        seen.add(id);
        out.set(key, this.construct(pair.value));
      }
      return out;
    }
    return null;
  }

  private scalar(n: Scalar, explicit: YamlTag | undefined): Value {
    const text = String(n.value ?? '');
    let tag: YamlTag;
    if (explicit) tag = explicit;
    else if (n.type === 'PLAIN') tag = resolvePlain(text);
    else tag = 'str';
    // PyYAML resolves these and then has no constructor for them (Salt turns a `=` key into a string)
    if (!explicit && n.type === 'PLAIN' && text === '=') this.fail(`could not determine a constructor for the tag 'tag:yaml.org,2002:value'`, n);
    if (tag === 'merge') this.fail(`could not determine a constructor for the tag 'tag:yaml.org,2002:merge'`, n);
    if (tag === 'bool' && explicit && !/^(yes|no|true|false|on|off)$/i.test(text)) this.fail(`'${text}' is not a YAML boolean`, n);
    try {
      return constructScalar(tag, text, !this.o.plainPyYaml);
    } catch (e) {
      return this.fail((e as Error).message, n);
    }
  }

  private isMergeKey(k: unknown): boolean {
    return isScalar(k) && ((k.type === 'PLAIN' && !k.tag && k.value === '<<') || k.tag === 'tag:yaml.org,2002:merge');
  }

  private deref(n: unknown): unknown {
    return isAlias(n) ? n.resolve(this.doc) : n;
  }

  /** Salt's flatten_mapping: merged pairs first (those whose key is not written here), then this mapping's own. */
  private flatten(items: Pair[]): Pair[] {
    const own: Pair[] = [];
    const merged: Pair[] = [];
    for (const pair of items) {
      if (!this.isMergeKey(pair.key)) { own.push(pair); continue; }
      const v = this.deref(pair.value);
      if (isMap(v)) merged.push(...this.flatten(v.items));
      else if (isSeq(v)) {
        const parts: Pair[][] = [];
        for (const sub of v.items) {
          const m = this.deref(sub);
          if (!isMap(m)) this.fail(`while constructing a mapping: expected a mapping for merging, but found ${isSeq(m) ? 'sequence' : 'scalar'}`, sub);
          parts.push(this.flatten(m.items));
        }
        for (const p of parts.reverse()) merged.push(...p);
      } else this.fail(`while constructing a mapping: expected a mapping or list of mappings for merging, but found ${isScalar(v) ? 'scalar' : 'nothing'}`, pair.value ?? pair.key);
    }
    if (merged.length === 0) return own;
    const rawKey = (p: Pair): unknown => (isScalar(p.key) ? p.key.value : p.key);
    const existing = new Set(own.map(rawKey));
    return [...merged.filter((p) => !existing.has(rawKey(p))), ...own];
  }
}

/** Parses `text` to a `yaml` Document the way Salt's loader needs it (nothing resolved yet). */
export function parseSaltYamlDocument(text: string): { doc: Document.Parsed; lc: LineCounter } {
  let lc = new LineCounter();
  let doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, schema: 'failsafe', uniqueKeys: false, merge: false });
  const flowIndented = doc.errors.length > 0 ? indentFlowContinuations(text) : undefined;
  if (flowIndented !== undefined) {
    // PyYAML reads flow collections whose wrapped lines are under-indented (see yaml-flow-indent.ts)
    const lc2 = new LineCounter();
    const doc2 = parseDocument(flowIndented, { lineCounter: lc2, prettyErrors: true, schema: 'failsafe', uniqueKeys: false, merge: false });
    if (doc2.errors.length === 0) { doc = doc2; lc = lc2; text = flowIndented; }
  }
  if (!/[\n\r]$/.test(text)) {
    // PyYAML: a block scalar that ends the stream without a line break has no final newline;
    // the yaml package gives it one
    visit(doc, {
      Scalar(_key, node) {
        if ((node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && node.range && node.range[1] >= text.length
          && typeof node.value === 'string' && node.value.endsWith('\n')) node.value = node.value.slice(0, -1);
      },
    });
  }
  return { doc, lc };
}

/**
 * Salt's salt.utils.yaml.safe_load: text to a Python value. Syntax errors and Salt's
 * constructor errors come out as SaltYamlError with a 1-based line and column.
 */
export function loadSaltYaml(text: string, o: ConstructOptions = {}): Value {
  const { doc, lc } = parseSaltYamlDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new SaltYamlError(e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), e.linePos?.[0].line ?? 0, e.linePos?.[0].col ?? 0);
  }
  return new SaltYamlConstructor(doc, lc, o).construct(doc.contents);
}

/** The same, raising the JinjaError templates see (load_yaml / import_yaml). */
export function loadSaltYamlForTemplate(text: string, filename?: string): Value {
  try {
    return loadSaltYaml(text);
  } catch (e) {
    if (e instanceof SaltYamlError) {
      throw new JinjaError('TemplateRuntimeError', `Encountered error loading yaml: ${e.message} (line ${e.line}, column ${e.column}${filename ? ` of ${filename}` : ''})`);
    }
    throw e;
  }
}
