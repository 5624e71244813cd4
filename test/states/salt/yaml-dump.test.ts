import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatYaml, safeDump, yamlDquote, yamlEncode, yamlSquote } from '../../../states/salt/yaml-dump.js';
import { OrderedDict } from '../../../states/salt/yaml-load.js';
import { PyFloat, toPy, type Value } from '../../../states/jinja/values.js';
import { python } from './python.js';

const long = 'word '.repeat(30);
/** JSON-able values (floats with a fraction, so JSON keeps them floats on both sides). */
const CASES: unknown[] = [
  'abc', '', 'yes', '5', '1.5', 'a: b', '- x', '#x', 'a #b', 'x#y', ' lead', 'trail ', 'multi\nline', 'tab\there', "it's", '"q"', 'ünïcödé',
  '2001-01-01', '<<', '~', 'null', '@x', '`x', '%x', '!x', '&x', '*x', '|x', '>x', '?x', '? x', ':x', ': x', 'a:b', 'a: ', '---', '...x',
  `${'x'.repeat(100)} y`, long, long.trim(), 'a\n\nb', 'a \nb', '\nx', 'x\n', '\u2028', 'é\u0001', '😀', '\ufeff',
  5, -3, 0, true, false, null, 1.5, -0.25, [], {}, [1, 'a', null], { b: 1, a: [1, 2, { c: 'd' }] },
  { z: long, y: [long, long], x: { q: long } }, Array.from({ length: 40 }, (_, i) => `item${i}`),
  { k: Array.from({ length: 30 }, (_, i) => ({ n: i })) }, { 'key with spaces': 1, yes: 'no', 1: 1, '': 'empty' },
  [[1, [2, [3, []]]], {}], { a: { b: { c: { d: long } } } }, { ['k'.repeat(130)]: 1 }, ['x'.repeat(90), 'short'],
  `${'a'.repeat(79)} b c d`, `'${'x '.repeat(50)}'`, `"${'y '.repeat(50)}`,
];

test('safe_dump text equals PyYAML\'s for every flow style (python3-yaml is the oracle)', () => {
  const inputs = CASES.flatMap((c) => [[c, true], [c, false], [c, null]]);
  const want = python<string[]>(`
import yaml, json, sys
print(json.dumps([yaml.safe_dump(v, default_flow_style=fs, allow_unicode=True) for v, fs in json.load(sys.stdin)]))`, inputs);
  inputs.forEach(([c, fs], i) => assert.equal(safeDump(toPy(c), { flowStyle: fs as boolean | null }), want[i], `${JSON.stringify(c).slice(0, 60)} flow=${fs}`));
});

test('the yaml filter: Salt\'s documented example, sorted dict keys, OrderedDict order kept, no trailing "..."', () => {
  const data = toPy({ foo: true, bar: 42, baz: [1, 2, 3] }) as Map<Value, Value>;
  data.set('qux', new PyFloat(2));
  assert.equal(formatYaml(data), '{bar: 42, baz: [1, 2, 3], foo: true, qux: 2.0}');
  assert.equal(formatYaml(data, false), 'bar: 42\nbaz:\n- 1\n- 2\n- 3\nfoo: true\nqux: 2.0');
  const od = new OrderedDict([['b', 1], ['a', 2]]);
  assert.equal(formatYaml(od), '{b: 1, a: 2}');
  assert.equal(formatYaml('plain'), 'plain');
  assert.equal(formatYaml(null), 'null');
});

test('the same list twice gets an anchor and an alias, as PyYAML writes it', () => {
  const shared: Value[] = [1, 2];
  assert.equal(formatYaml(new Map<Value, Value>([['a', shared], ['b', shared]])), '{a: &id001 [1, 2], b: *id001}');
});

test('yaml_dquote, yaml_squote and yaml_encode as python3-yaml writes them', () => {
  const texts = ['plain', "it's", 'say "hi"', 'back\\slash', 'tab\tnew\nline', 'ünï', '😀', 'x '.repeat(60)];
  const want = python<[string, string][]>(`
import yaml, io, json, sys
def q(t, dq):
    s = io.StringIO(); e = yaml.emitter.Emitter(s, width=sys.maxsize)
    (e.write_double_quoted if dq else e.write_single_quoted)(t); return s.getvalue()
print(json.dumps([[q(t, True), q(t, False)] for t in json.load(sys.stdin)]))`, texts);
  texts.forEach((t, i) => {
    assert.equal(yamlDquote(t), want[i][0]);
    assert.equal(yamlSquote(t), want[i][1]);
  });
  assert.equal(yamlEncode('a "b"'), '"a \\"b\\""');
  assert.equal(yamlEncode(true), 'true');
  assert.equal(yamlEncode(null), 'null');
  assert.equal(yamlEncode(42), '42');
  assert.throws(() => yamlEncode([1]), /only works with YAML scalar data/);
});
