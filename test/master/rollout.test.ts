import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { startMaster, type Fleet } from '../helpers/fleet.js';
import { bundleServer } from '../helpers/bundle-server.js';
import { engineFor, makeBox, makeBundle, type Box } from '../helpers/firmware.js';
import { linuxDrivers } from '../../states/drivers/linux.js';
import { failureLimit } from '../../master/jobs.js';
import { formatJobSummary } from '../../cli/format/returns.js';

async function withFleet(states: Record<string, string>, fn: (f: Fleet) => Promise<void>): Promise<void> {
  const f = await startMaster({ states, timeout: 20 });
  try { await fn(f); } finally { await f.stopAll(); }
}

test('failure limits: a count, or a share of the targets rounded down', () => {
  assert.equal(failureLimit('2', 50), 2);
  assert.equal(failureLimit('10%', 50), 5);
  assert.equal(failureLimit('10%', 9), 0);
  assert.throws(() => failureLimit('ten', 5), /count or a percentage/);
});

test('firmware rollout in batches of 1 over real agents stops at --max-failures 0: the remaining agents are not sent the job', async () => {
  const sls = { 'firmware/init.sls': 'edge-firmware:\n  firmware.updated:\n    - name: {{ pillar.get("url", "@URL@") }}\n    - version: "2.0.0"\n    - reboot_delay: 0.05\n' };
  // the URL is known only once the server runs; the tree is written by the master start, so serve first
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'umec-rollout-'));
  const boxes = new Map<string, Box>();
  for (const id of ['edge-1', 'edge-2', 'edge-3', 'edge-4']) boxes.set(id, await makeBox(join(dir, id), { bootenv: 'file' }));
  // edge-2 is another board: the bundle does not fit it
  const edge2 = boxes.get('edge-2')!;
  boxes.set('edge-2', { ...edge2, settings: { ...edge2.settings, compatible: 'other-board' } });
  const image = randomBytes(50_000);
  // one vendor key for the fleet: every box trusts edge-1's key
  const bundle = await makeBundle(boxes.get('edge-1')!, image);
  const { copyFile, readdir } = await import('node:fs/promises');
  for (const b of boxes.values()) {
    for (const f of await readdir(b.settings.keyring)) await (await import('node:fs/promises')).rm(join(b.settings.keyring, f));
    await copyFile(join(boxes.get('edge-1')!.dir, 'vendor.pub'), join(b.settings.keyring, 'vendor.pub'));
  }
  const srv = await bundleServer({ [basename(bundle)]: bundle });
  try {
    await withFleet({ 'firmware/init.sls': sls['firmware/init.sls'].replace('@URL@', srv.url(basename(bundle))) }, async (f) => {
      for (const [id, box] of boxes) await f.startAgent(id, { os: 'Debian' }, { ...linuxDrivers(), firmware: engineFor(box) });
      for (const id of boxes.keys()) await f.accept(id);
      const dry = await f.runJob({ fun: 'apply', args: { sls: ['firmware'], test: true }, tgt: 'edge-*', tgt_type: 'glob' });
      assert.equal(dry.returns.size, 4);
      assert.equal(boxes.get('edge-1')!.power.calls.length, 0);

      const r = await f.runJob({ fun: 'apply', args: { sls: ['firmware'] }, tgt: 'edge-*', tgt_type: 'glob', batch: '1', max_failures: '0' }, 30_000);
      assert.equal(r.returns.get('edge-1')?.success, true, JSON.stringify(r.returns.get('edge-1')?.ret));
      assert.equal(r.returns.get('edge-2')?.success, false);
      const ret2 = Object.values(r.returns.get('edge-2')!.ret as Record<string, { comment: string }>)[0];
      assert.match(ret2.comment, /does not fit this box: made for "umec-test-board", this box is "other-board"/);
      assert.deepEqual(r.job.stopped, { failures: 1, max_failures: '0', not_run: ['edge-3', 'edge-4'] });
      assert.equal(r.returns.has('edge-3') || r.returns.has('edge-4'), false);
      for (const id of ['edge-3', 'edge-4']) {
        assert.equal(await access(boxes.get(id)!.settings.slots.B.device).then(() => true, () => false), false, `${id} untouched`);
      }
      const done = f.events.find((e) => e.tag === `umec/job/${r.jid}/done`)!;
      assert.deepEqual(done.data.stopped, { failures: 1, max_failures: '0', not_run: ['edge-3', 'edge-4'] });
      assert.ok(f.events.some((e) => e.tag === `umec/job/${r.jid}/stopped`));
      assert.match(formatJobSummary({ targeted: 4, returned: 2, failed: 1, missing: [], stopped: r.job.stopped }),
        /Rollout stopped: 1 failures passed --max-failures 0; 2 agents were not sent the job: edge-3, edge-4/);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(boxes.get('edge-1')!.power.calls.length, 1, 'edge-1 rebooted into its new slot after reporting');
    });
  } finally {
    await srv.close();
    await (await import('node:fs/promises')).rm(dir, { recursive: true, force: true });
  }
});

test('--max-failures 50% with batch 1: the fourth failure of six stops the rest', async () => {
  await withFleet({}, async (f) => {
    await f.startAccepted({ r1: {}, r2: {}, r3: {}, r4: {}, r5: {}, r6: {} });
    const r = await f.runJob({ fun: 'run', args: { cmd: ['sh', '-c', 'exit 3'] }, tgt: 'r*', tgt_type: 'glob', batch: '1', max_failures: '50%' });
    // 50% of 6 is 3 tolerated failures
    assert.equal(r.returns.size, 4);
    assert.deepEqual(r.job.stopped, { failures: 4, max_failures: '50%', not_run: ['r5', 'r6'] });
  });
});
