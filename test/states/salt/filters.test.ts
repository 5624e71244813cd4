import { test } from 'node:test';
import assert from 'node:assert/strict';
import { saltFilters, saltTests, shellQuote } from '../../../states/salt/filters.js';
import type { EvalEnv } from '../../../states/jinja/api.js';
import { fromPy, Tuple, toPy, type Value } from '../../../states/jinja/values.js';
import { python } from './python.js';

const env: EvalEnv = {
  strictUndefined: true,
  callFilter: (name, v, a, k) => saltFilters[name](env, v, a, k),
  callTest: (name, v, a, k) => saltTests[name](env, v, a, k),
};
const f = (name: string, v: unknown, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Value =>
  saltFilters[name](env, toPy(v), args.map(toPy), new Map(Object.entries(kwargs).map(([k, x]) => [k, toPy(x)])));

test('regex_search/regex_match give the groups as a tuple (Salt\'s documented examples), None without a match', () => {
  const r = f('regex_search', 'abcd', ['^(.*)BC(.*)$'], { ignorecase: true });
  assert.ok(r instanceof Tuple);
  assert.deepEqual([...(r as Tuple)], ['a', 'd']);
  assert.deepEqual([...(f('regex_match', 'abcd', ['ab']) as Tuple)], [], 'a match without groups: an empty tuple');
  assert.equal(f('regex_match', 'abcd', ['b']), null);
  assert.deepEqual([...(f('regex_search', 'abcd', ['(b)(x)?']) as Tuple)], ['b', null]);
  assert.deepEqual([...(f('regex_search', 'key=val', ['(?P<k>\\w+)=(?P=k)?']) as Tuple)], ['key']);
  assert.deepEqual([...(f('regex_search', 'line1\nline2', ['^(line2)$'], { multiline: true }) as Tuple)], ['line2']);
});

test('regex_replace: Python replacement syntax; regex_escape as re.escape (python3 is the oracle)', () => {
  assert.equal(f('regex_replace', 'lets replace spaces', ['\\s+', '__']), 'lets__replace__spaces');
  const cases: [string, string, string][] = [['a1b22c', '(\\d+)', '<\\1>'], ['john smith', '(?P<first>\\w+) (?P<last>\\w+)', '\\g<last>, \\g<first>'], ['x$y', '\\$', '$$'], ['end\n', 'd$', 'D'], ['aaa', 'a', '\\\\']];
  const want = python<string[]>('import re, json, sys\nprint(json.dumps([re.sub(p, r, t) for t, p, r in json.load(sys.stdin)]))', cases);
  cases.forEach(([t, p, r], i) => assert.equal(f('regex_replace', t, [p, r]), want[i], `${t} ${p} ${r}`));
  const texts = ['https://example.com?foo=bar%20baz', 'a.b*c', 'tab\there', 'ünï-_~#&'];
  const esc = python<string[]>('import re, json, sys\nprint(json.dumps([re.escape(t) for t in json.load(sys.stdin)]))', texts);
  texts.forEach((t, i) => assert.equal(f('regex_escape', t), esc[i]));
});

test('quote is shlex.quote, to_bool/sequence/unique/traverse/is_list as Salt defines them', () => {
  const texts = ['simple', '', "it's", 'a b', 'x;rm -rf /', '@%+=:,./-ok'];
  const want = python<string[]>('import shlex, json, sys\nprint(json.dumps([shlex.quote(t) for t in json.load(sys.stdin)]))', texts);
  texts.forEach((t, i) => assert.equal(shellQuote(t), want[i]));
  assert.equal(f('to_bool', 'yes'), true);
  assert.equal(f('to_bool', 'No'), false);
  assert.equal(f('to_bool', 2), true);
  assert.equal(f('to_bool', [1]), true);
  assert.equal(f('to_bool', null), false);
  assert.deepEqual(fromPy(f('sequence', 'foo')), ['foo']);
  assert.deepEqual(fromPy(f('sequence', ['bar'])), ['bar']);
  assert.deepEqual(fromPy(f('unique', ['a', 'b', 'c', 'a', 'b'])), ['a', 'b', 'c']);
  assert.equal(f('traverse', { a: { b: [1, 2] } }, ['a:b:1']), 2);
  assert.equal(f('traverse', { a: 1 }, ['x']), null, 'the default default is None');
  assert.equal(f('is_list', [1]), true);
  assert.equal(f('is_list', Tuple.make([1])), false);
  assert.equal(saltTests.match(env, 'foobar', ['fo+'], new Map()), true);
  assert.equal(saltTests.match(env, 'xfoo', ['fo+'], new Map()), false);
});

test('json/yaml/tojson/load_* filters and Salt\'s uuid example', () => {
  assert.equal(f('json', { b: [1, 2], a: 'é' }), '{"a": "é", "b": [1, 2]}');
  assert.equal(f('tojson', { b: '<x>', a: "'" }), '{"b": "\\u003cx\\u003e", "a": "\\u0027"}');
  assert.equal(f('yaml', { b: [1, 2], a: 'x y' }), '{a: x y, b: [1, 2]}');
  assert.equal(f('yaml', { b: [1, 2] }, [false]), 'b:\n- 1\n- 2');
  assert.deepEqual(fromPy(f('load_yaml', 'foo: it works\nmode: 0644')), { foo: 'it works', mode: 644 });
  assert.deepEqual(fromPy(f('load_json', '{"bar": "for real"}')), { bar: 'for real' });
  // uuid5 in Salt's namespace (python3: uuid.uuid5(uuid.UUID('91633EBF-1C86-5E33-935A-28061F4B480E'), 'example'));
  // Salt's docstring shows another value, which Python does not give
  assert.equal(f('uuid', 'example'), '9ade8beb-355a-50d8-9011-1c99848a7719');
  assert.deepEqual(fromPy(f('json_query', { users: [{ name: 'a', on: true }, { name: 'b', on: false }] }, ['users[?on].name'])), ['a']);
  assert.equal(f('yaml_dquote', 'a "b"'), '"a \\"b\\""');
  assert.equal(f('yaml_squote', "it's"), "'it''s'");
  assert.equal(f('yaml_encode', true), 'true');
});
