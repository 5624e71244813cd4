/**
 * Jinja2 3.1's lexer (default delimiters, no line statements): template source to tokens.
 * Follows jinja2/lexer.py rule for rule: whitespace control (`-`, `+`), trim_blocks,
 * lstrip_blocks, raw blocks, one trailing newline dropped unless keep_trailing_newline,
 * brace balancing inside tags, Python string escapes and number literals.
 */
import { JinjaError } from './errors.js';
import { PyFloat } from './values.js';

export type TokenType =
  | 'data' | 'variable_begin' | 'variable_end' | 'block_begin' | 'block_end'
  | 'name' | 'string' | 'integer' | 'float' | 'eof'
  | 'add' | 'assign' | 'colon' | 'comma' | 'div' | 'dot' | 'eq' | 'floordiv' | 'gt' | 'gteq'
  | 'lbrace' | 'lbracket' | 'lparen' | 'lt' | 'lteq' | 'mod' | 'mul' | 'ne' | 'pipe' | 'pow'
  | 'rbrace' | 'rbracket' | 'rparen' | 'semicolon' | 'sub' | 'tilde';

export interface Token {
  type: TokenType;
  value: string | number | PyFloat;
  lineno: number;
}

export interface LexOptions {
  trimBlocks?: boolean;
  lstripBlocks?: boolean;
  keepTrailingNewline?: boolean;
}

export const OPERATORS: Record<string, TokenType> = {
  '+': 'add', '-': 'sub', '/': 'div', '//': 'floordiv', '*': 'mul', '%': 'mod', '**': 'pow', '~': 'tilde',
  '[': 'lbracket', ']': 'rbracket', '(': 'lparen', ')': 'rparen', '{': 'lbrace', '}': 'rbrace',
  '==': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gteq', '<': 'lt', '<=': 'lteq', '=': 'assign',
  '.': 'dot', ':': 'colon', '|': 'pipe', ',': 'comma', ';': 'semicolon',
};
const REVERSE_OPERATORS: Record<string, string> = Object.fromEntries(Object.entries(OPERATORS).map(([k, v]) => [v, k]));

const TOKEN_DESCRIPTIONS: Record<string, string> = {
  block_begin: 'begin of statement block', block_end: 'end of statement block',
  variable_begin: 'begin of print statement', variable_end: 'end of print statement',
  data: 'template data / text', eof: 'end of template',
};

export function describeTokenType(type: string): string {
  return REVERSE_OPERATORS[type] ?? TOKEN_DESCRIPTIONS[type] ?? type;
}
export function describeToken(t: Token): string {
  return t.type === 'name' ? String(t.value) : describeTokenType(t.type);
}
/** 'name:endfor' -> endfor, 'rparen' -> ')' */
export function describeTokenExpr(expr: string): string {
  const i = expr.indexOf(':');
  if (i >= 0) {
    const type = expr.slice(0, i);
    if (type === 'name') return expr.slice(i + 1);
    return describeTokenType(type);
  }
  return describeTokenType(expr);
}

const WHITESPACE = /\s+/y;
const FLOAT = /(?<!\.)(\d+_)*\d+((\.(\d+_)*\d+)?[eE][+-]?(\d+_)*\d+|\.(\d+_)*\d+)/y;
const INTEGER = /(0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[\da-fA-F])+|[1-9](_?\d)*|0(_?0)*)/y;
const NAME = /[\p{ID_Start}_][\p{ID_Continue}]*/uy;
const STRING = /('([^'\\]*(?:\\.[^'\\]*)*)'|"([^"\\]*(?:\\.[^"\\]*)*)")/sy;
const OPERATOR = /\/\/|\*\*|==|!=|>=|<=|[+\-/*%~[\](){}><=.:|,;]/y;
// text up to the next tag; the raw alternative wins over a plain `{%` at the same place
const ROOT = /([\s\S]*?)(?:(?<raw>\{%(?<rawsign>-|\+|)\s*raw\s*(?:-%\}\s*|%\}))|(?<variable>\{\{(?<vsign>-|\+|))|(?<comment>\{#(?<csign>-|\+|))|(?<block>\{%(?<bsign>-|\+|)))/y;
const ONLY_WS = /^\s*$/;

function syntaxError(msg: string, lineno: number, filename?: string): JinjaError {
  return new JinjaError('TemplateSyntaxError', msg, { filename, lineno });
}

const countNl = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

export function tokenize(input: string, filename: string | undefined, o: LexOptions = {}): Token[] {
  const lines = input.split(/\r\n|\r|\n/);
  if (!o.keepTrailingNewline && lines[lines.length - 1] === '') lines.pop();
  const source = lines.join('\n');
  const trim = o.trimBlocks ? '\\n?' : '';
  const blockEnd = new RegExp(`\\+%\\}|-%\\}\\s*|%\\}${trim}`, 'y');
  const variableEnd = /-\}\}\s*|\}\}/y;
  const commentEnd = new RegExp(`([\\s\\S]*?)(\\+#\\}|-#\\}\\s*|#\\}${trim})`, 'y');
  const rawEnd = new RegExp(`([\\s\\S]*?)\\{%(-|\\+|)\\s*endraw\\s*(\\+%\\}|-%\\}\\s*|%\\}${trim})`, 'y');

  const tokens: Token[] = [];
  let pos = 0;
  let lineno = 1;
  let lineStarting = true;
  const n = source.length;

  const pushData = (text: string): void => {
    if (text) tokens.push({ type: 'data', value: text, lineno });
    lineno += countNl(text);
  };
  /** The text before a tag, with `-` / lstrip_blocks applied; returns newlines removed. */
  const stripBefore = (text: string, sign: string, isVariable: boolean): [string, number] => {
    if (sign === '-') {
      const stripped = text.replace(/\s+$/, '');
      return [stripped, countNl(text.slice(stripped.length))];
    }
    if (sign !== '+' && o.lstripBlocks && !isVariable) {
      const lpos = text.lastIndexOf('\n') + 1;
      if ((lpos > 0 || lineStarting) && ONLY_WS.test(text.slice(lpos))) return [text.slice(0, lpos), 0];
    }
    return [text, 0];
  };

  while (pos < n) {
    ROOT.lastIndex = pos;
    const m = ROOT.exec(source);
    if (!m) {
      // plain text to the end
      pushData(source.slice(pos));
      break;
    }
    const g = m.groups!;
    const text = m[1];
    const kind = g.raw !== undefined ? 'raw' : g.variable !== undefined ? 'variable' : g.comment !== undefined ? 'comment' : 'block';
    const sign = (kind === 'raw' ? g.rawsign : kind === 'variable' ? g.vsign : kind === 'comment' ? g.csign : g.bsign) ?? '';
    const [data, stripped] = stripBefore(text, sign, kind === 'variable');
    pushData(data);
    lineno += stripped;
    const tagText = m[0].slice(text.length);
    pos = m.index + m[0].length;

    if (kind === 'raw') {
      lineno += countNl(tagText);
      rawEnd.lastIndex = pos;
      const r = rawEnd.exec(source);
      if (!r) throw syntaxError('Missing end of raw directive', lineno, filename);
      const [rdata, rstripped] = stripBefore(r[1], r[2], false);
      pushData(rdata);
      lineno += rstripped + countNl(r[0].slice(r[1].length));
      pos = r.index + r[0].length;
      lineStarting = r[0].endsWith('\n');
      continue;
    }
    if (kind === 'comment') {
      commentEnd.lastIndex = pos;
      const c = commentEnd.exec(source);
      if (!c) throw syntaxError('Missing end of comment tag', lineno, filename);
      lineno += countNl(c[0]);
      pos = c.index + c[0].length;
      lineStarting = c[0].endsWith('\n');
      continue;
    }
    // a variable or block tag: expression tokens up to the end delimiter
    tokens.push({ type: kind === 'variable' ? 'variable_begin' : 'block_begin', value: tagText, lineno });
    const endRe = kind === 'variable' ? variableEnd : blockEnd;
    const balancing: string[] = [];
    let closed = false;
    while (pos < n) {
      if (balancing.length === 0) {
        endRe.lastIndex = pos;
        const e = endRe.exec(source);
        if (e) {
          tokens.push({ type: kind === 'variable' ? 'variable_end' : 'block_end', value: e[0], lineno });
          lineno += countNl(e[0]);
          pos += e[0].length;
          lineStarting = e[0].endsWith('\n');
          closed = true;
          break;
        }
      }
      WHITESPACE.lastIndex = pos;
      let t = WHITESPACE.exec(source);
      if (t) { lineno += countNl(t[0]); pos += t[0].length; continue; }
      FLOAT.lastIndex = pos;
      if ((t = FLOAT.exec(source))) {
        tokens.push({ type: 'float', value: new PyFloat(Number(t[0].replace(/_/g, ''))), lineno });
        pos += t[0].length; continue;
      }
      INTEGER.lastIndex = pos;
      if ((t = INTEGER.exec(source))) {
        tokens.push({ type: 'integer', value: parseInteger(t[0]), lineno });
        pos += t[0].length; continue;
      }
      NAME.lastIndex = pos;
      if ((t = NAME.exec(source))) {
        tokens.push({ type: 'name', value: t[0], lineno });
        pos += t[0].length; continue;
      }
      STRING.lastIndex = pos;
      if ((t = STRING.exec(source))) {
        tokens.push({ type: 'string', value: unescapeString(t[0].slice(1, -1), lineno, filename), lineno });
        lineno += countNl(t[0]);
        pos += t[0].length; continue;
      }
      OPERATOR.lastIndex = pos;
      if ((t = OPERATOR.exec(source))) {
        const op = t[0];
        if (op === '{') balancing.push('}');
        else if (op === '(') balancing.push(')');
        else if (op === '[') balancing.push(']');
        else if (op === '}' || op === ')' || op === ']') {
          if (!balancing.length) throw syntaxError(`unexpected '${op}'`, lineno, filename);
          const expected = balancing.pop()!;
          if (expected !== op) throw syntaxError(`unexpected '${op}', expected '${expected}'`, lineno, filename);
        }
        tokens.push({ type: OPERATORS[op], value: op, lineno });
        pos += op.length; continue;
      }
      throw syntaxError(`unexpected char ${pyCharRepr(source[pos])} at ${pos}`, lineno, filename);
    }
    if (!closed) break; // the parser reports the unexpected end of template
  }
  tokens.push({ type: 'eof', value: '', lineno });
  return tokens;
}

function pyCharRepr(c: string): string {
  return c === "'" ? `"'"` : `'${c === '\\' ? '\\\\' : c}'`;
}

function parseInteger(s: string): number {
  const t = s.replace(/_/g, '').toLowerCase();
  if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
  if (t.startsWith('0o')) return parseInt(t.slice(2), 8);
  if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

/** Python's unicode-escape decoding of a string literal body (unknown escapes stay as written). */
export function unescapeString(body: string, lineno: number, filename?: string): string {
  if (!body.includes('\\')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) { out += c; continue; }
    const e = body[i + 1];
    if (e in SIMPLE_ESCAPES) { out += SIMPLE_ESCAPES[e]; i++; continue; }
    if (e >= '0' && e <= '7') {
      let j = i + 1;
      while (j < body.length && j < i + 4 && body[j] >= '0' && body[j] <= '7') j++;
      out += String.fromCodePoint(parseInt(body.slice(i + 1, j), 8));
      i = j - 1; continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (hex.length < hexLen || !/^[0-9a-fA-F]+$/.test(hex)) {
        throw syntaxError(`truncated \\${e}${'X'.repeat(hexLen)} escape`, lineno, filename);
      }
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw syntaxError('illegal Unicode character', lineno, filename);
      out += String.fromCodePoint(cp);
      i += 1 + hexLen; continue;
    }
    if (e === 'N') throw syntaxError('\\N{...} escapes are not provided', lineno, filename);
    out += c; // unknown escape: the backslash stays
  }
  return out;
}
