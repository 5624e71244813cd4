import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, schemaProblems } from '../../lib/config.js';
import { parseManifest } from '../../firmware/manifest.js';
import type { UmecError } from '../../lib/errors.js';

const schema = {
  type: 'object',
  properties: { port: { type: 'integer' }, mode: { enum: ['a', 'b'] }, list: { type: 'array', items: { type: 'object', required: ['x'] } } },
  additionalProperties: false,
};

test('one YAML+schema parser: syntax errors and schema problems name label, line and field', () => {
  const bad = parseYaml('a: 1\nb: [\n', 'f.yaml');
  assert.ok('where' in bad);
  assert.match(bad.where, /^f\.yaml:\d+$/);
  const doc = parseYaml('port: x\nmode: c\nlist:\n  - y: 1\nextra: 2\n', 'f.yaml');
  assert.ok(!('where' in doc));
  assert.deepEqual(schemaProblems(doc.data, schema, 'f.yaml', doc.lineOf).sort(), [
    'f.yaml:1: port must be integer',
    'f.yaml:2: mode must be one of a, b',
    'f.yaml:4: list.0.x is required',
    'f.yaml:5: extra unknown key',
  ].sort());
  assert.deepEqual(schemaProblems({ port: 1 }, schema, 'f.yaml'), []);
});

test('the firmware manifest goes through the same parser: same line numbers and field names', () => {
  assert.throws(() => parseManifest('format: 1\ncompatible: box\nversion: 1.0\nimages: []\nbogus: 1\n', 'manifest.yaml', undefined, 'b.tar'),
    (e: UmecError) => e.code === 'FW_BUNDLE' && /manifest\.yaml:5: bogus unknown key/.test(e.message) && /firmware bundle b\.tar/.test(e.message));
  assert.throws(() => parseManifest('format: 1\ncompatible: [\n', 'manifest.yaml'), (e: UmecError) => /manifest\.yaml:\d+: /.test(e.message));
});
