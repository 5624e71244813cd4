import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalSlsSource } from '../../states/sls/tree.js';
import { byId, stateTree } from '../helpers/tree.js';

test('an immutable tree reuses its compiled plan; grains or pillar changes compile anew; a mutable tree always re-reads', async () => {
  const t = await stateTree({ 'main.sls': 'x:\n  test.show_notification:\n    - text: "v1 {{ pillar.n }}"\n' });
  try {
    const run = async (immutableTree: boolean, n = 1) => byId(await t.engine.apply({
      source: new LocalSlsSource(t.root), sls: ['main'], grains: { id: 'g' }, pillar: { n }, immutableTree,
    })).x.comment;
    assert.equal(await run(true), 'v1 1');
    await writeFile(join(t.root, 'main.sls'), 'x:\n  test.show_notification:\n    - text: "v2 {{ pillar.n }}"\n');
    assert.equal(await run(true), 'v1 1', 'same tree, grains and pillar: the cached plan');
    assert.equal(await run(true, 2), 'v2 2', 'other pillar: compiled again');
    assert.equal(await run(false), 'v2 1', 'a mutable tree is never cached');
  } finally { await t.cleanup(); }
});
