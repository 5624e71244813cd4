import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { UmecError } from '../../lib/errors.js';
import { StateEngine } from '../../states/engine.js';
import { builtinModules, linuxDrivers } from '../../states/modules/index.js';
import { LocalSlsSource } from '../../states/sls/tree.js';
import type { LowChunk } from '../../states/types.js';
import { byId, stateTree } from '../helpers/tree.js';

const many = (n: number, fn = 'test.succeed_without_changes') =>
  Array.from({ length: n }, (_, i) => `s${i}:\n  ${fn}: []\n`).join('');

function engineWith(limits: { maxStates?: number; maxSlsBytes?: number }) {
  return new StateEngine({ modules: builtinModules(), drivers: linuxDrivers(), limits });
}

test('max_states: a run with more states than the limit is refused before anything runs, naming the file and line', async () => {
  const t = await stateTree({ 'big.sls': many(11), 'names.sls': `n:\n  test.succeed_without_changes:\n    - names: [${Array.from({ length: 11 }, (_, i) => `a${i}`).join(', ')}]\n` });
  try {
    const engine = engineWith({ maxStates: 10 });
    const req = (sls: string) => ({ source: new LocalSlsSource(t.root), sls: [sls], grains: { id: 'x' }, pillar: {} });
    await assert.rejects(engine.apply(req('big')), (e: Error & { problems?: { code: string; file?: string; line?: number }[] }) => {
      assert.equal(e.problems?.length, 1, 'one problem, not one per state over the limit');
      assert.equal(e.problems[0].code, 'TOO_MANY_STATES');
      assert.match(e.problems[0].file ?? '', /big\.sls$/);
      assert.equal(e.problems[0].line, 21, 'the 11th ID');
      assert.match(e.message, /more than 10 states \(max_states\)/);
      return true;
    });
    // one ID whose names list expands past the limit is refused too
    await assert.rejects(engine.apply(req('names')), /more than 10 states/);
    // at the limit it runs
    const ok = engineWith({ maxStates: 11 });
    assert.equal(Object.keys(await ok.apply(req('big'))).length, 11);
  } finally { await t.cleanup(); }
});

test('max_sls_bytes: a rendered SLS over the limit is refused with its name and size', async () => {
  const t = await stateTree({ 'gen.sls': '{% for i in range(200) %}s{{ i }}:\n  test.succeed_without_changes: []\n{% endfor %}' });
  try {
    const engine = engineWith({ maxSlsBytes: 2048 });
    await assert.rejects(engine.plan({ source: new LocalSlsSource(t.root), sls: ['gen'], grains: { id: 'x' }, pillar: {} }),
      /rendered SLS gen is \d{4,} bytes, more than 2048 \(max_sls_bytes\)/);
  } finally { await t.cleanup(); }
});

test('an aborted apply stops between two states: the running state finishes, the rest never starts, the error says where', async () => {
  const t = await stateTree({ 'slow.sls': Array.from({ length: 5 }, (_, i) =>
    `step${i}:\n  cmd.run:\n    - name: "sleep 0.2; touch {{OUT}}/done${i}"\n`).join('') });
  try {
    const ac = new AbortController();
    const seen: string[] = [];
    const onState = (c: LowChunk, index: number, total: number) => {
      seen.push(`${c.id} ${index}/${total}`);
      if (c.id === 'step1') setTimeout(() => ac.abort('agent stopping'), 50);
    };
    const err = await t.engine.apply({ source: new LocalSlsSource(t.root), sls: ['slow'], grains: { id: 'x' }, pillar: {}, signal: ac.signal, onState })
      .then(() => assert.fail('the run should have been interrupted'), (e: unknown) => e);
    assert.ok(err instanceof UmecError && err.code === 'JOB_INTERRUPTED');
    assert.equal(err.message, 'interrupted (agent stopping) after 2 of 5 states; not run from slow.step2 on');
    assert.deepEqual(seen, ['step0 0/5', 'step1 1/5']);
    const results = byId(err.details.results as Parameters<typeof byId>[0]);
    assert.deepEqual(Object.keys(results), ['step0', 'step1']);
    assert.equal(results.step1.result, true, 'the state running at the abort completed');
  } finally { await t.cleanup(); }
});

test('apply time grows linearly with the number of states: 16k states take at most 5x as long as 4k', async () => {
  const t = await stateTree({ 'k4.sls': many(4000), 'k16.sls': many(16000) });
  try {
    const engine = engineWith({});
    const time = async (sls: string) => {
      const t0 = performance.now();
      const r = await engine.apply({ source: new LocalSlsSource(t.root), sls: [sls], grains: { id: 'x' }, pillar: {} });
      const ms = performance.now() - t0;
      assert.equal(Object.keys(r).length, sls === 'k4' ? 4000 : 16000);
      return ms;
    };
    await time('k4'); // warm the code paths once
    // the best of a few runs: a busy test machine slows single runs, not the shape of the growth
    const best = async (sls: string) => Math.min(await time(sls), await time(sls));
    const k4 = await best('k4');
    const k16 = await best('k16');
    assert.ok(k16 <= 5 * k4, `16k states took ${Math.round(k16)} ms, 4k took ${Math.round(k4)} ms: more than 5x (quadratic growth)`);
  } finally { await t.cleanup(); }
});
