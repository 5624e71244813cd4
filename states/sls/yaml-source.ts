import { Document, LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { problem, type Problem, type SourcePos } from '../../lib/errors.js';

/** A rendered SLS parsed to a YAML AST that keeps each node's source position. */
export class YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  private readonly lc: LineCounter;
  private readonly text: string;

  private constructor(file: string, text: string, doc: Document.Parsed, lc: LineCounter) {
    this.file = file; this.text = text; this.doc = doc; this.lc = lc;
  }

  /** Parses `text` (YAML 1.1 like Salt's PyYAML); syntax errors come back as problems. */
  static parse(file: string, text: string): { source?: YamlSource; problems: Problem[] } {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, version: '1.1', prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return {
        problems: doc.errors.map((e) => problem('YAML_SYNTAX', { reason: e.message.split('\n')[0] },
          { file, line: e.linePos?.[0].line, column: e.linePos?.[0].col })),
      };
    }
    return { source: new YamlSource(file, text, doc, lc), problems: [] };
  }

  get root(): Node | null {
    return this.doc.contents as Node | null;
  }

  pos(node: unknown): SourcePos {
    const range = (node as Node | undefined)?.range;
    if (!range) return { file: this.file, line: 0, column: 0 };
    const p = this.lc.linePos(range[0]);
    return { file: this.file, line: p.line, column: p.col };
  }

  /** Plain JS value of a node. Leading-zero integers stay strings ('0644'), as Salt users expect for modes. */
  toJS(node: unknown): unknown {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return this.toJS(node.resolve(this.doc));
    if (isScalar(node)) {
      if (typeof node.value === 'number' && node.type === 'PLAIN' && node.range) {
        const src = this.text.slice(node.range[0], node.range[1]).trim();
        if (/^0[0-7]+$/.test(src)) return src;
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
