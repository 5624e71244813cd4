import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonDepth } from '../../lib/http-body.js';

test('jsonDepth counts nesting of arrays and objects, not brackets inside strings', () => {
  assert.equal(jsonDepth('1'), 0);
  assert.equal(jsonDepth('"[[[{"'), 0);
  assert.equal(jsonDepth('[]'), 1);
  assert.equal(jsonDepth('{"a":[1,{"b":[]}]}'), 4);
  assert.equal(jsonDepth('[{"a\\"[[[":"\\\\"},[[]]]'), 3, 'escaped quotes and backslashes inside strings');
  assert.equal(jsonDepth('[[],[],[[]]]'), 3, 'siblings do not add up');
  assert.equal(jsonDepth(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), 1_000_000, 'no recursion: a million levels are counted');
  assert.equal(jsonDepth(`${'{"a":'.repeat(100)}1`, 32), Infinity, 'stops once past the limit, closed or not');
});
