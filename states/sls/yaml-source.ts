import { Document, LineCounter, isMap, isScalar, isSeq, type Node } from 'yaml';
import { fromPy, PyFloat, type Value } from '../jinja/values.js';
import { parseSaltYamlDocument, SaltYamlConstructor, SaltYamlError } from '../salt/yaml-load.js';
import { problem, type Problem, type SourcePos } from '../../lib/errors.js';

/** Rendered line → template line, when the template changed line numbers. */
export type LineMap = (renderedLine: number) => number | undefined;

/** A position in the file the user wrote when it can be known, else in the rendered text (and says so). */
function place(file: string, line: number, column: number, mapLine?: LineMap): SourcePos {
  if (!mapLine || line === 0) return { file, line, column };
  const src = mapLine(line);
  return src !== undefined ? { file, line: src, column } : { file: `${file} (as rendered)`, line, column };
}

/** A rendered SLS parsed to a YAML AST that keeps each node's source position. */
export class YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  private readonly lc: LineCounter;
  private readonly mapLine?: LineMap;
  private readonly ctor: SaltYamlConstructor;

  private constructor(file: string, doc: Document.Parsed, lc: LineCounter, ctor: SaltYamlConstructor, mapLine?: LineMap) {
    this.file = file; this.doc = doc; this.lc = lc; this.ctor = ctor; this.mapLine = mapLine;
  }

  /**
   * Parses `text` as Salt's YAML renderer does (PyYAML 1.1 rules with Salt's loader: see
   * states/salt/yaml-load.ts); syntax errors and Salt's loader errors (a key given twice, an
   * unknown tag) come back as problems with their position.
   */
  static parse(file: string, text: string, mapLine?: LineMap): { source?: YamlSource; problems: Problem[] } {
    const { doc, lc } = parseSaltYamlDocument(text);
    if (doc.errors.length > 0) {
      return {
        problems: doc.errors.map((e) => problem('YAML_SYNTAX', { reason: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') },
          place(file, e.linePos?.[0].line ?? 0, e.linePos?.[0].col ?? 0, mapLine))),
      };
    }
    const ctor = new SaltYamlConstructor(doc, lc, { ordered: true });
    try {
      ctor.construct(doc.contents);
    } catch (e) {
      if (!(e instanceof SaltYamlError)) throw e;
      return { problems: [problem('YAML_SYNTAX', { reason: e.message }, place(file, e.line, e.column, mapLine))] };
    }
    return { source: new YamlSource(file, doc, lc, ctor, mapLine), problems: [] };
  }

  get root(): Node | null {
    return this.doc.contents;
  }

  pos(node: unknown): SourcePos {
    const range = (node as Node | undefined)?.range;
    if (!range) return { file: this.file, line: 0, column: 0 };
    const p = this.lc.linePos(range[0]);
    return place(this.file, p.line, p.col, this.mapLine);
  }

  /** The Python value Salt's loader builds for a node (dicts are OrderedDicts, as Salt's SLS renderer makes them). */
  toPy(node: unknown): Value {
    return this.ctor.construct(node ?? null);
  }

  /** Plain JS value of a node (Python values through fromPy: 0644 is 644, yes is true, 1.0 is 1). */
  toJS(node: unknown): unknown {
    return fromPy(this.toPy(node));
  }

  /** True for an empty value (`key:`), `~` or `null`. */
  isNull(node: unknown): boolean {
    return node === null || node === undefined || (isScalar(node) && this.toPy(node) === null);
  }

  describe(node: unknown): string {
    if (node === null || node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      const v = this.toPy(node);
      return v === null ? 'nothing' : `${typeof v === 'number' || v instanceof PyFloat ? 'number' : typeof v} ${JSON.stringify(fromPy(v))}`;
    }
    return 'an alias';
  }
}
