import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSaltYaml, OrderedDict, SaltYamlError } from '../../../states/salt/yaml-load.js';
import { PyFloat, type Value } from '../../../states/jinja/values.js';
import { python } from './python.js';

/** Python values as tagged JSON, so int/float/bool/str stay apart in comparisons. */
const enc = (v: Value): unknown => {
  if (typeof v === 'boolean') return { b: v };
  if (typeof v === 'number') return { i: v };
  if (v instanceof PyFloat) return { f: Number.isNaN(v.value) ? 'nan' : v.value === Infinity ? 'inf' : v.value === -Infinity ? '-inf' : v.value };
  if (v === null) return null;
  if (typeof v === 'string') return { s: v };
  if (Array.isArray(v)) return v.map(enc);
  if (v instanceof Map) return { d: [...v].map(([k, x]) => [enc(k), enc(x)]) };
  return { other: String(v) };
};

// PyYAML's SafeLoader with Salt's two scalar tweaks (salt/utils/yamlloader.py): leading zeros of an
// int are dropped before it is read (0644 is 644), and timestamps stay strings.
const SALT_LOADER = `
import yaml, sys, json, math
class L(yaml.SafeLoader):
    def construct_scalar(self, node):
        if node.tag == "tag:yaml.org,2002:int" and node.value != "0" and node.value.startswith("0") and not node.value.startswith(("0b", "0x")):
            node.value = node.value.lstrip("0") or "0"
        return super().construct_scalar(node)
L.add_constructor("tag:yaml.org,2002:timestamp", L.construct_scalar)
def enc(v):
    if isinstance(v, bool): return {"b": v}
    if isinstance(v, int): return {"i": v}
    if isinstance(v, float): return {"f": "nan" if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else v}
    if v is None: return None
    if isinstance(v, str): return {"s": v}
    if isinstance(v, list): return [enc(x) for x in v]
    if isinstance(v, dict): return {"d": [[enc(k), enc(x)] for k, x in v.items()]}
    return {"other": repr(v)}
print(json.dumps([enc(yaml.load(d, Loader=L)) for d in json.load(sys.stdin)]))
`;

const SCALARS = ['yes', 'No', 'ON', 'off', 'y', 'n', 'true', 'False', '~', 'null', 'NULL', '', '0644', '0', '00', '0_644', '-0644', '+0644',
  '0x1F', '0b101', '0o17', '09', '1_000', '1:30', '190:20:30', '190:20:30.15', '1.0', '1.', '.5', '1e3', '1.0e+3', '1.5e3', '-.inf', '.NaN',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '12:30:00', '0.1', '3.14159', '-1', '+12', '0.0', '6.02e+23',
  '"yes"', "'0644'", '!!str 12', '!!int "0644"', '!!float "1"', '!!bool "yes"', 'abc def', 'a:b', '|\n  text\n', '>-\n  folded\n  text\n'];

test('scalars resolve as Salt reads them (PyYAML 1.1 with Salt\'s loader tweaks): python3-yaml is the oracle', () => {
  const docs = [...SCALARS.map((s) => `v: ${s}\n`), '- 1\n- [a, b]\n- {x: y, z: [1, 2.5]}\n', 'a: &x {k: 1, j: 2}\nb:\n  <<: *x\n  j: 3\n',
    // block scalars at the end of a file without a final line break (a formula's pillar.example)
    'a: |\n  x\n  y', 'a: >\n  x\n  y', 'a: |+\n  x', 'a: |-\n  x', 'a:\n  b: |\n    x\n  c: 1',
    // flow collections whose wrapped lines are under-indented, as Salt's yaml filter writes them into an SLS
    'x:\n  f:\n    - d:\n        acls: [[local, db0, connuser, peer map=users_as_appuser], [local, db1, localUser],\n  [host, db2, remoteUser, 192.168.33.0/24]]\n    - r: 1\n',
    'x:\n  - {a: 1, b: "two\n  lines", c: [1,\n 2]}\n  - k: \'it\'\'s [\'\n',
    '- - [a,\nb]\n- c: &anc [d,\ne]\n'];
  const want = python<unknown[]>(SALT_LOADER, docs);
  docs.forEach((d, i) => assert.deepEqual(enc(loadSaltYaml(d)), want[i], `document ${JSON.stringify(d)}`));
});

test('Salt specifics: 0644 is 644, yes is True, 1.0 is a float, timestamps are strings, ~ is None', () => {
  const v = loadSaltYaml('mode: 0644\nflag: yes\nratio: 1.0\nwhen: 2024-01-02\nnothing: ~\n') as Map<Value, Value>;
  assert.equal(v.get('mode'), 644);
  assert.equal(v.get('flag'), true);
  assert.ok(v.get('ratio') instanceof PyFloat && (v.get('ratio') as PyFloat).value === 1);
  assert.equal(v.get('when'), '2024-01-02');
  assert.equal(v.get('nothing'), null);
});

test('a key given twice is an error naming it and its line, also when the spellings are equal Python values', () => {
  assert.throws(() => loadSaltYaml('a: 1\nb: 2\na: 3\n'), (e: unknown) => e instanceof SaltYamlError && /found conflicting ID 'a'/.test(e.message) && e.line === 3);
  assert.throws(() => loadSaltYaml('yes: 1\ntrue: 2\n'), /found conflicting ID 'True'/);
  // Salt's flatten_mapping keeps merged keys from two merged maps: they conflict
  assert.throws(() => loadSaltYaml('a: &x {k: 1}\nb: &y {k: 2}\nc:\n  <<: [*x, *y]\n'), /conflicting ID 'k'/);
});

test('unknown tags and unhashable keys fail as in PyYAML', () => {
  assert.throws(() => loadSaltYaml('a: !vault x\n'), /could not determine a constructor for the tag '!vault'/);
  assert.throws(() => loadSaltYaml('? [1]\n: x\n'), /unacceptable key/);
});

test('ordered loading gives OrderedDict (SLS and pillar), plain loading dict (import_yaml)', () => {
  assert.ok(loadSaltYaml('b: 1\na: 2\n', { ordered: true }) instanceof OrderedDict);
  assert.ok(!(loadSaltYaml('b: 1\na: 2\n') instanceof OrderedDict));
  const shared = loadSaltYaml('a: &x [1]\nb: *x\n') as Map<Value, Value>;
  assert.equal(shared.get('a'), shared.get('b'), 'an alias is the same object, as in Python');
});
