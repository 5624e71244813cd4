/**
 * Python's textwrap.wrap as Jinja2's wordwrap filter calls it: expand_tabs=False,
 * replace_whitespace=False, drop_whitespace=True, no indents, no max_lines.
 */
import { valueError } from '../errors.js';
import { strip } from './support.js';

const WS = '[\\t\\n\\x0b\\x0c\\r ]';
const NWS = '[^\\t\\n\\x0b\\x0c\\r ]';
const WORD = '[\\p{L}\\p{N}_]';
const WORD_PUNCT = `(?:${WORD}|[!"'&.,?])`;
// Python's [^\d\W]: a word character that is not a decimal digit
const LETTER = '(?:(?!\\p{Nd})[\\p{L}\\p{N}_])';

// textwrap.TextWrapper.wordsep_re: whitespace runs, em-dashes between words, and words that
// may break after a hyphen between letters
const WORDSEP = new RegExp(
  `(${WS}+` +
  `|(?<=${WORD_PUNCT})-{2,}(?=${WORD})` +
  `|${NWS}+?(?:-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
  `|(?=${WS}|$)` +
  `|(?<=${WORD_PUNCT})(?=-{2,}${WORD})))`,
  'u',
);
const WORDSEP_SIMPLE = new RegExp(`(${WS}+)`, 'u');

export interface WrapOptions {
  width: number;
  breakLongWords: boolean;
  breakOnHyphens: boolean;
}

const isBlank = (s: string): boolean => strip(s, null) === '';

export function wrap(text: string, o: WrapOptions): string[] {
  const chunks = text.split(o.breakOnHyphens ? WORDSEP : WORDSEP_SIMPLE).filter((c) => c !== undefined && c !== '');
  return wrapChunks(chunks, o);
}

function wrapChunks(chunksIn: string[], o: WrapOptions): string[] {
  const lines: string[] = [];
  if (o.width <= 0) throw valueError(`invalid width ${o.width} (must be > 0)`);
  const chunks = chunksIn.slice().reverse();
  while (chunks.length) {
    const cur: string[] = [];
    let curLen = 0;
    const width = o.width;
    if (isBlank(chunks[chunks.length - 1]) && lines.length) chunks.pop();
    while (chunks.length) {
      const l = chunks[chunks.length - 1].length;
      if (curLen + l <= width) { cur.push(chunks.pop()!); curLen += l; } else break;
    }
    if (chunks.length && chunks[chunks.length - 1].length > width) {
      handleLongWord(chunks, cur, curLen, width, o);
    }
    if (cur.length && isBlank(cur[cur.length - 1])) cur.pop();
    if (cur.length) lines.push(cur.join(''));
  }
  return lines;
}

function handleLongWord(rev: string[], cur: string[], curLen: number, width: number, o: WrapOptions): void {
  const spaceLeft = width < 1 ? 1 : width - curLen;
  if (o.breakLongWords) {
    let end = spaceLeft;
    const chunk = rev[rev.length - 1];
    if (o.breakOnHyphens && chunk.length > spaceLeft) {
      const hyphen = chunk.lastIndexOf('-', spaceLeft - 1);
      if (hyphen > 0 && [...chunk.slice(0, hyphen)].some((c) => c !== '-')) end = hyphen + 1;
    }
    cur.push(chunk.slice(0, end));
    rev[rev.length - 1] = chunk.slice(end);
  } else if (!cur.length) {
    cur.push(rev.pop()!);
  }
}
