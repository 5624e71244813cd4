import { Document, LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { problem, type Problem, type SourcePos } from '../../lib/errors.js';

/** Rendered line → template line, when the template changed line numbers. */
export type LineMap = (renderedLine: number) => number | undefined;

/** A position in the file the user wrote when it can be known, else in the rendered text (and says so). */
function place(file: string, line: number, column: number, mapLine?: LineMap): SourcePos {
  if (!mapLine || line === 0) return { file, line, column };
  const src = mapLine(line);
  return src !== undefined ? { file, line: src, column } : { file: `${file} (as rendered)`, line, column };
}

const YAML11_BOOL = /^(yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

/** A rendered SLS parsed to a YAML AST that keeps each node's source position. */
export class YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  private readonly lc: LineCounter;
  private readonly text: string;
  private readonly mapLine?: LineMap;

  private constructor(file: string, text: string, doc: Document.Parsed, lc: LineCounter, mapLine?: LineMap) {
    this.file = file; this.text = text; this.doc = doc; this.lc = lc; this.mapLine = mapLine;
  }

  /** Parses `text`; syntax errors come back as problems. Scalars are read as PyYAML (Salt) reads them, see toJS. */
  static parse(file: string, text: string, mapLine?: LineMap): { source?: YamlSource; problems: Problem[] } {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return {
        problems: doc.errors.map((e) => problem('YAML_SYNTAX', { reason: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') },
          place(file, e.linePos?.[0].line ?? 0, e.linePos?.[0].col ?? 0, mapLine))),
      };
    }
    return { source: new YamlSource(file, text, doc, lc, mapLine), problems: [] };
  }

  get root(): Node | null {
    return this.doc.contents as Node | null;
  }

  pos(node: unknown): SourcePos {
    const range = (node as Node | undefined)?.range;
    if (!range) return { file: this.file, line: 0, column: 0 };
    const p = this.lc.linePos(range[0]);
    return place(this.file, p.line, p.col, this.mapLine);
  }

  /**
   * Plain JS value of a node. Parsed as YAML 1.2 core, plus PyYAML's yes/no/on/off
   * booleans that Salt users write; leading-zero integers stay strings ('0644') for modes.
   */
  toJS(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.toJS(node.resolve(this.doc));
    if (isScalar(node)) {
      if (node.type === 'PLAIN' && node.range) {
        if (typeof node.value === 'number') {
          const src = this.text.slice(node.range[0], node.range[1]).trim();
          if (/^0[0-7]+$/.test(src)) return src;
        } else if (typeof node.value === 'string' && YAML11_BOOL.test(node.value)) {
          return /^(yes|on)$/i.test(node.value);
        }
      }
      return node.value;
    }
    if (isSeq(node)) return node.items.map((i) => this.toJS(i));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) out[String(this.toJS(pair.key))] = this.toJS(pair.value);
      return out;
    }
    return (node as Node).toJSON?.() ?? null;
  }

  describe(node: unknown): string {
    if (node === null || node === undefined) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) return node.value === null ? 'nothing' : `${typeof node.value} ${JSON.stringify(node.value)}`;
    return 'an alias';
  }
}
