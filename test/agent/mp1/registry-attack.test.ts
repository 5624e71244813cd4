import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistryTables } from '../../../agent/mp1/registry-tables.js';
const MAX_BYTES = 1 << 20; // MP1_BODY_LIMITS.maxBytes of agent/mp1/server.ts
import { tempDir } from '../../helpers/context.js';
import { Mp1Harness } from '../../helpers/mp1.js';

const S = '/mec_service_mgmt/v1';
const svc = (serName: string, more: Record<string, unknown> = {}) => ({ serName, version: '1', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http', ...more });
/** JSON text of a value nested `depth` objects deep, written without recursion (the attack's body). */
const deepJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deepBody = (serName: string, depth: number) => JSON.stringify(svc(serName)).replace(/}$/, `,"x":${deepJson(depth)}}`);

/** Collects unhandled rejections while `f` runs: none may happen. */
async function noUnhandled<T>(f: () => Promise<T>): Promise<T> {
  const seen: unknown[] = [];
  const on = (r: unknown) => seen.push(r);
  process.on('unhandledRejection', on);
  try {
    const r = await f();
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(seen, [], 'no unhandled rejection');
    return r;
  } finally { process.off('unhandledRejection', on); }
}

describe('Mp1 registry under attack (issue 15, finding 2)', () => {
  it('refuses a body nested 60,000 deep with 400 ProblemDetails; every app keeps discovering services', async () => {
    const h = await Mp1Harness.start();
    try {
      const good = await h.token('app-good');
      const evil = await h.token('app-evil');
      const kept = await h.call(good, 'POST', `${S}/applications/app-good/services`, svc('kept'));
      assert.equal(kept.status, 201);
      const r = await h.call(evil, 'POST', `${S}/applications/app-evil/services`, deepBody('evil', 60_000));
      assert.equal(r.status, 400);
      assert.match(r.body.detail, /nested deeper than 32 levels/);
      // the limit is on nesting, not on ordinary bodies: 20 levels of free-form data are fine
      assert.equal((await h.call(evil, 'POST', `${S}/applications/app-evil/services`, deepBody('fine', 20))).status, 201);
      for (const t of [good, evil]) {
        const all = await h.call(t, 'GET', `${S}/services`);
        assert.equal(all.status, 200);
        assert.deepEqual(all.body.map((s: { serName: string }) => s.serName).sort(), ['fine', 'kept']);
      }
      // a body over the size limit: 413 with a problem body, before it is read whole
      const big = await h.call(evil, 'POST', `${S}/applications/app-evil/services`, JSON.stringify(svc('big', { pad: 'x'.repeat(MAX_BYTES) })));
      assert.equal(big.status, 413);
      assert.equal(big.body.status, 413);
      assert.equal((await h.call(good, 'GET', `${S}/services?ser_name=kept`)).body.length, 1);
    } finally { await h.cleanup(); }
  });

  it('with the body limit raised, the registry itself refuses a value it cannot store (400) and changes nothing', async () => {
    const h = await Mp1Harness.start({ bodyLimits: { maxBytes: 4 << 20, maxDepth: 1_000_000 } });
    try {
      const good = await h.token('app-good');
      const evil = await h.token('app-evil');
      await h.call(good, 'POST', `${S}/applications/app-good/services`, svc('kept'));
      const r = await noUnhandled(() => h.call(evil, 'POST', `${S}/applications/app-evil/services`, deepBody('evil', 60_000)));
      assert.equal(r.status, 400);
      assert.match(r.body.detail, /cannot be stored/);
      const all = await h.call(good, 'GET', `${S}/services`);
      assert.equal(all.status, 200);
      assert.deepEqual(all.body.map((s: { serName: string }) => s.serName), ['kept']);
      assert.deepEqual((await h.call(good, 'GET', `${S}/services?ser_name=evil`)).body, [], 'the refused service is in no index either');
      // and nothing of it reached the disk: a restart sees the same registry
      await h.stop();
      const h2 = await Mp1Harness.start({ dir: h.dir, config: { port: h.opts.config.port } });
      try {
        const t2 = await h2.token('app-good');
        assert.deepEqual((await h2.call(t2, 'GET', `${S}/services`)).body.map((s: { serName: string }) => s.serName), ['kept']);
      } finally { await h2.stop(); }
    } finally { await h.cleanup(); }
  });

  it('a value JSON cannot write throws before the table changes', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const j = await RegistryTables.open(dir);
      await j.write('t', 'a', { v: 1 });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const bad of [{ n: 1n }, cyclic]) {
        assert.throws(() => j.write('t', 'a', bad), (e: Error & { code?: string }) => e.code === 'USAGE' && /t a: the value cannot be stored/.test(e.message));
        assert.throws(() => j.write('t', 'b', bad));
      }
      assert.deepEqual([...j.table('t')], [['a', { v: 1 }]]);
      await j.close();
      const j2 = await RegistryTables.open(dir);
      assert.deepEqual([...j2.table('t')], [['a', { v: 1 }]]);
      await j2.close();
    } finally { await cleanup(); }
  });

  it('a compaction that fails is reported, never an unhandled rejection; the log keeps every change and the next compaction succeeds', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const errors: unknown[] = [];
      const j = await RegistryTables.open(dir, { compactAfter: 10, onCompactError: (e) => errors.push(e) });
      // the snapshot cannot be replaced: a directory (not empty) stands where state.json goes
      await rm(join(dir, 'state.json'), { force: true });
      await mkdir(join(dir, 'state.json', 'blocker'), { recursive: true });
      await noUnhandled(async () => {
        for (let i = 0; i < 25; i++) await j.write('t', `k${i}`, { i });
        for (let i = 0; i < 50 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      });
      assert.ok(errors.length >= 1, 'the failed compaction was reported');
      assert.equal(j.table('t').size, 25);
      await j.write('t', 'after', true);
      assert.equal((await readFile(join(dir, 'journal.jsonl'), 'utf8')).trim().split('\n').length >= 26, true, 'the log still holds every change');
      // the obstacle goes: the next compaction folds the log into the snapshot
      await rm(join(dir, 'state.json'), { recursive: true });
      const before = errors.length;
      for (let i = 0; i < 10; i++) await j.write('u', `k${i}`, i);
      for (let i = 0; i < 50 && (await readFile(join(dir, 'journal.jsonl'), 'utf8')).length > 200; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(errors.length, before);
      await j.close();
      const j2 = await RegistryTables.open(dir);
      assert.equal(j2.table('t').size, 26);
      assert.equal(j2.table('u').size, 10);
      await j2.close();
    } finally { await cleanup(); }
  });
});
