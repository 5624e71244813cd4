import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compilePy, pyEscape, pyFlags, pySubn } from '../../../states/modules/file/pyregex.js';
import { pyUnifiedDiff } from '../../../states/modules/file/pydiff.js';

/*
 * Differential test: each case runs through Python's own `re` (the machine's python3) and through
 * the JavaScript translation, and the results must be the same text and count.
 */

interface Case { pattern: string; repl: string; text: string; flags: number; count: number }

const TEXT = 'alpha beta\r\n  gamma = 1\n#delta = 2\nepsilon\nfoo.bar foo bar\n\nlast line';
const cases: Case[] = [
  ['^(\\w+) beta', '\\1 BETA'], ['a.', 'X'], ['(?s)a.', 'X'], ['$', '<eol>'], ['^', '>'],
  ['(?P<k>\\w+) = (?P<v>\\d)', '\\g<v> = \\g<k>'], ['(?P<w>o)(?P=w)', '00'], ['\\Aalpha', 'A'],
  ['line\\Z', 'LINE'], ['(?i)FOO', 'f\\g<0>'], ['x*', '-'], ['o{,2}', '0'], ['^#\\s*(delta.*)$', '\\1'],
  ['(a)|(z)', '[\\1\\2]'], ['\\d', '\\n'], ['[.]', '\\\\'], ['[]a]', '!'], ['[^]a]+', '.'], ['(?#c)eps', 'E'],
  ['foo\\.bar', '\\t'], ['(?m)^$', 'EMPTY'], ['\\bbar\\b', 'BAR'], ['(?x) f o o  # comment', 'F'], ['\\r$', ''],
  ['e', 'E'],
].map(([pattern, repl]) => ({ pattern: pattern, repl: repl, text: TEXT, flags: 8, count: 0 }));
cases.push({ pattern: '$', repl: '!', text: 'a\nb\n', flags: 0, count: 0 });
cases.push({ pattern: '^.', repl: '!', text: 'a\nb\n', flags: 0, count: 0 });
cases.push({ pattern: 'e', repl: 'E', text: TEXT, flags: 8, count: 2 });
cases.push({ pattern: 'ALPHA', repl: 'a', text: TEXT, flags: pyFlags(['IGNORECASE']), count: 0 });
cases.push({ pattern: 'a.b', repl: '-', text: 'a\nb a\rb', flags: pyFlags('DOTALL'), count: 0 });
cases.push({ pattern: 'a.b', repl: '-', text: 'a\nb a\rb', flags: 0, count: 0 });

const PY = `
import json, re, sys, difflib
out = []
for c in json.load(sys.stdin)['cases']:
    t, n = re.subn(c['pattern'], c['repl'], c['text'], count=c['count'], flags=c['flags'])
    out.append([t, n])
esc = [re.escape(s) for s in json.loads(sys.argv[1])]
diffs = [''.join(difflib.unified_diff(a.splitlines(True), b.splitlines(True))) for a, b in json.loads(sys.argv[2])]
print(json.dumps({'subn': out, 'escape': esc, 'diffs': diffs}))
`;

const ESCAPES = ['a.b*c', 'x y\tz', '[a]{1}', 'path/to-file~#&', 'plain_Word9'];
const DIFFS: [string, string][] = [
  ['a\nb\nc\n', 'a\nB\nc\n'], ['', 'x\n'], ['x\n', ''], ['a\nb\nc', 'a\nb\nc\nd\n'],
  [Array.from({ length: 20 }, (_, i) => `l${i}\n`).join(''), Array.from({ length: 20 }, (_, i) => (i === 2 || i === 17 ? `L${i}\n` : `l${i}\n`)).join('')],
  ['one\n', 'zero\none\n'],
];

function python(): { subn: [string, number][]; escape: string[]; diffs: string[] } {
  const r = spawnSync('python3', ['-c', PY, JSON.stringify(ESCAPES), JSON.stringify(DIFFS)], { input: JSON.stringify({ cases }), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('Python re.subn and the translated RegExp give the same text and count', () => {
  const py = python();
  cases.forEach((c, i) => {
    const got = pySubn(compilePy(c.pattern, c.flags), c.repl, c.text, c.count);
    assert.deepEqual(got, py.subn[i], `pattern ${JSON.stringify(c.pattern)} flags ${c.flags} repl ${JSON.stringify(c.repl)}`);
  });
});

test('re.escape and difflib.unified_diff match Python', () => {
  const py = python();
  ESCAPES.forEach((s, i) => {
    // the escaped text must match the original literally, as in Python
    assert.ok(compilePy(pyEscape(s)).re.test(s));
    assert.equal(pyEscape(s), py.escape[i]);
  });
  DIFFS.forEach(([a, b], i) => assert.equal(pyUnifiedDiff(a, b), py.diffs[i], JSON.stringify([a, b])));
});

test('Python-only syntax that JavaScript cannot run is refused by name', () => {
  assert.throws(() => compilePy('a(?i:b)'), /scoped or non-leading flag group \(\?i:/);
  assert.throws(() => compilePy('(?>ab)'), /atomic group/);
  assert.throws(() => compilePy('a++'), /possessive quantifier/);
  assert.throws(() => compilePy('(?<n>x)'), /\(\?P<name>/);
  assert.throws(() => pySubn(compilePy('(a)'), '\\2', 'a'), /invalid group reference 2/);
  assert.throws(() => pySubn(compilePy('a'), '\\q', 'a'), /bad escape \\q/);
  assert.throws(() => pyFlags(['NOPE']), /Invalid re flag given: NOPE/);
});
