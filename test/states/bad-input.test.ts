import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Problem } from '../../lib/errors.js';
import { stateTree } from '../helpers/tree.js';

interface Case {
  title: string;
  files: Record<string, string>;
  sls?: string[];
  code: Problem['code'];
  file: string;
  line: number;
  stateId?: string;
  field?: string;
  message?: RegExp;
}

// Every case also declares a file.managed state that must not have been applied.
const guard = (extra: string) => `{{OUT}}/guard:\n  file.managed:\n    - contents: must not be written\n${extra}`;

const cases: Case[] = [
  { title: 'YAML syntax error', files: { 'main.sls': guard('bad:\n  test.nop: [\n') }, code: 'YAML_SYNTAX', file: 'main.sls', line: 6, message: /Flow sequence/ },
  { title: 'duplicate state ID in one file', files: { 'main.sls': guard('x:\n  test.nop: []\nx:\n  test.nop: []\n') }, code: 'YAML_SYNTAX', file: 'main.sls', line: 6, message: /found conflicting ID 'x'/ },
  { title: 'module without a function', files: { 'main.sls': guard('x:\n  file:\n    - mode: 644\n') }, code: 'NO_FUNCTION', file: 'main.sls', line: 5, stateId: 'x' },
  { title: 'two functions for one module', files: { 'main.sls': guard('x:\n  file:\n    - managed\n    - absent\n') }, code: 'TWO_FUNCTIONS', file: 'main.sls', line: 7, stateId: 'x' },
  { title: 'watch_in to a missing ID', files: { 'main.sls': guard('x:\n  test.nop:\n    - watch_in:\n      - service: nginx\n') }, code: 'REQUISITE_MISSING', file: 'main.sls', line: 7, field: 'watch_in' },
  { title: 'malformed requisite item', files: { 'main.sls': guard('x:\n  test.nop:\n    - require:\n      - file: [a, b]\n') }, code: 'REQUISITE_FORMAT', file: 'main.sls', line: 7, field: 'require' },
  { title: 'requisite cycle', files: { 'main.sls': guard('a:\n  test.nop:\n    - require:\n      - test: b\nb:\n  test.nop:\n    - watch:\n      - test: a\n') }, code: 'REQUISITE_CYCLE', file: 'main.sls', line: 5, message: /test: a -> test: b -> test: a/ },
  { title: 'template syntax error', files: { 'main.sls': guard('{% if grains.os %}\nx:\n  test.nop: []\n') }, code: 'TEMPLATE', file: 'main.sls', line: 0 }, // no line pinned: Jinja2 says 4, the engine 6 (for the engine owner)
  { title: 'template calls an unknown filter', files: { 'main.sls': guard('x:\n  test.nop:\n    - name: {{ grains.id | nosuchfilter }}\n') }, code: 'TEMPLATE', file: 'main.sls', line: 6, message: /nosuchfilter/ },
  { title: 'included SLS does not exist', files: { 'main.sls': 'include:\n  - common\n  - missing.thing\n' + guard(''), 'common.sls': 'c:\n  test.nop: []\n' }, code: 'SLS_NOT_FOUND', file: 'main.sls', line: 3, message: /missing\.thing/ },
  { title: 'SLS is a list, not a mapping', files: { 'main.sls': '- a\n- b\n' }, code: 'SLS_NOT_MAPPING', file: 'main.sls', line: 1 },
  { title: 'state ID body is not a mapping', files: { 'main.sls': guard('x: managed\n') }, code: 'STATE_NOT_MAPPING', file: 'main.sls', line: 4, stateId: 'x' },
  { title: 'arguments given as a mapping instead of a list', files: { 'main.sls': guard('x:\n  file.managed:\n    name: /tmp/x\n') }, code: 'ARG_FORMAT', file: 'main.sls', line: 6, stateId: 'x' },
  { title: 'requisite item with a second key (Salt: multiple dictionaries in one argument)', files: { 'main.sls': guard('x:\n  test.nop:\n    - require:\n        - test: y\n      mode: 644\ny:\n  test.nop: []\n') }, code: 'ARG_FORMAT', file: 'main.sls', line: 6, stateId: 'x' },
  { title: 'names is not a list', files: { 'main.sls': guard('x:\n  test.nop:\n    - names: one\n') }, code: 'ARG_INVALID', file: 'main.sls', line: 6, field: 'names' },
  { title: 'extend of an ID that is not defined', files: { 'main.sls': guard('extend:\n  nginx:\n    service.running:\n      - enable: true\n') }, code: 'EXTEND_MISSING', file: 'main.sls', line: 5, stateId: 'nginx' },
  { title: 'same ID in two SLS files', files: { 'main.sls': 'include:\n  - other\n' + guard('x:\n  test.nop: []\n'), 'other.sls': 'x:\n  test.nop: []\n' }, code: 'ID_CONFLICT', file: 'main.sls', line: 6, stateId: 'x', message: /other\.sls:1/ },
  { title: 'include is not a list', files: { 'main.sls': 'include: common\n' + guard('') }, code: 'INCLUDE_FORMAT', file: 'main.sls', line: 1 },
  { title: 'SLS requested on the command line does not exist', files: { 'main.sls': guard('') }, sls: ['nope'], code: 'SLS_NOT_FOUND', file: '', line: 0, message: /nope\.sls.*nope\/init\.sls/ },
  { title: 'top.sls with an unknown match type', files: { 'top.sls': "base:\n  '*':\n    - match: fuzzy\n    - main\n", 'main.sls': guard('') }, sls: [], code: 'TOP_FORMAT', file: 'top.sls', line: 3, message: /fuzzy/ },
  { title: 'top.sls with a broken compound target', files: { 'top.sls': "base:\n  'G@os:Debian and (web*':\n    - match: compound\n    - main\n", 'main.sls': guard('') }, sls: [], code: 'TARGET_SYNTAX', file: 'top.sls', line: 2 },
];

for (const c of cases) {
  test(`bad input is refused before anything runs: ${c.title}`, async () => {
    const t = await stateTree(c.files);
    try {
      const problems = await t.problems(c.sls ?? ['main']);
      const p = problems.find((x) => x.code === c.code);
      assert.ok(p, `expected a ${c.code} problem, got ${JSON.stringify(problems)}`);
      if (c.file) assert.ok(p.file?.endsWith(c.file), `file: ${p.file}`);
      if (c.line) assert.equal(p.line, c.line, `line of ${JSON.stringify(p)}`);
      if (c.line) assert.ok((p.column ?? 0) >= 1, 'column is given');
      if (c.stateId) assert.equal(p.stateId, c.stateId);
      if (c.field) assert.equal(p.field, c.field);
      if (c.message) assert.match(p.message, c.message);
      await assert.rejects(t.apply(c.sls ?? ['main']), { name: 'CompileError' });
      assert.ok(!existsSync(`${t.out}/guard`), 'no state ran');
    } finally {
      await t.cleanup();
    }
  });
}

test('every problem in a file is reported at once, not just the first', async () => {
  const t = await stateTree({ 'main.sls': 'a:\n  file:\n    - mode: 644\nb:\n  test.nop:\n    - names: one\nc:\n  test.nop:\n    - require_in:\n      - test: zz\n' });
  try {
    const codes = (await t.problems(['main'])).map((p) => p.code).sort();
    assert.deepEqual(codes, ['ARG_INVALID', 'NO_FUNCTION', 'REQUISITE_MISSING']);
  } finally { await t.cleanup(); }
});

test('lines shifted by a template loop are mapped back to the template line', async () => {
  const t = await stateTree({ 'main.sls': '{% for i in [1,2,3] %}\nx{{ i }}:\n  test.nop: []\n{% endfor %}\ny:\n  test: []\n' });
  try {
    const [p] = await t.problems(['main']);
    assert.equal(p.code, 'NO_FUNCTION');
    assert.match(p.file!, /main\.sls$/);
    assert.equal(p.line, 6);
  } finally { await t.cleanup(); }
});

test('an error inside a loop body points at the template line, for every iteration', async () => {
  const t = await stateTree({ 'main.sls': '{% for i in [1,2] %}\nx{{ i }}:\n  test: []\n{% endfor %}\n' });
  try {
    const problems = await t.problems(['main']);
    assert.deepEqual(problems.map((p) => [p.stateId, p.line]), [['x1', 3], ['x2', 3]]);
    for (const p of problems) assert.match(p.file!, /main\.sls$/);
  } finally { await t.cleanup(); }
});

test('when the template line cannot be known, the rendered line is given and labelled as such', async () => {
  // the same text on two template lines: either could have produced the rendered one
  const t = await stateTree({ 'main.sls': '{% for i in [1,2] %}\na{{ i }}:\n  test: []\n{% endfor %}\nb:\n  test: []\n' });
  try {
    const problems = await t.problems(['main']);
    assert.deepEqual(problems.map((p) => [p.stateId, p.line]), [['a1', 3], ['a2', 6], ['b', 9]]);
    for (const p of problems) assert.match(p.file!, /main\.sls \(as rendered\)$/);
  } finally { await t.cleanup(); }
});
