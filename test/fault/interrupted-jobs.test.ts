import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { ProcFleet } from '../helpers/fault.js';
import { umecProc, until } from '../helpers/procs.js';

// Issue 27: an agent killed with SIGKILL in the middle of a job reports the job as interrupted at the
// state it had reached, never runs it again, kills the commands it left running and removes the
// temporary file of a write it did not finish.

interface Shown { returns: Record<string, Record<string, { result: boolean; comment: string; __id__: string }> | string>; missing: string[] }

async function acceptedFleet(dir: string, files: Record<string, string>): Promise<ProcFleet> {
  const f = await ProcFleet.create(dir, files);
  await f.startMaster();
  await f.startAgent('k1');
  await f.waitKey('k1', 'pending');
  assert.equal(f.cli(['key', 'accept', 'k1']).code, 0);
  await f.waitAnswers('k1');
  return f;
}

/** The jid of the job the agent journals as running (data_dir/journal/<jid>.json), once `ok(entry)`. */
function journaled(dir: string, ok: (e: { reached?: { id: string } }) => boolean): string | undefined {
  const jd = join(dir, 'k1', 'journal');
  if (!existsSync(jd)) return undefined;
  for (const n of readdirSync(jd).filter((x) => /^\d{20}\.json$/.test(x))) {
    try { if (ok(JSON.parse(readFileSync(join(jd, n), 'utf8')) as { reached?: { id: string } })) return n.slice(0, 20); } catch { /* being replaced */ }
  }
  return undefined;
}

test('kill -9 during cmd.run: the command left running is killed at restart and the job is reported interrupted at that state, not run again', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-interrupt-');
  const out = join(dir, 'out');
  const f = await acceptedFleet(dir, {
    'states/slow.sls': `first:\n  cmd.run:\n    - name: "touch ${out}/first"\nslow:\n  cmd.run:\n    - name: "sleep 20; touch ${out}/side-effect"\n    - require:\n      - cmd: first\nafter:\n  cmd.run:\n    - name: "touch ${out}/after"\n    - require:\n      - cmd: slow\n`,
    'out/.keep': '',
  });
  try {
    umecProc(['apply', 'k1', 'slow', '-t', '30', '--config', f.cfg], f.procs);
    const jid = await until('the slow state to be journaled', () => journaled(dir, (e) => e.reached?.id === 'slow'), 30_000, 20);
    const [{ pgid }] = await until('the sleep to be running', () => {
      const p = join(dir, 'k1', 'journal', 'processes.json');
      try { const l = JSON.parse(readFileSync(p, 'utf8')) as Array<{ pgid: number }>; return l.length > 0 ? l : undefined; } catch { return undefined; }
    }, 10_000, 20);
    const agent = f.agents.get('k1')!;
    agent.proc.kill('SIGKILL');
    await agent.exited;

    const again = await f.startAgent('k1');
    await until('the agent killing the orphaned command', () => /killed 1 command\(s\) a previous run of the agent left running/.test(again.err()) || undefined);
    const shown = await until('the interrupted return on the master', () => {
      const r = f.cli(['job', 'show', jid, '--json']);
      const j = r.code === 0 ? JSON.parse(r.stdout) as Shown : undefined;
      return j?.returns.k1 ? j : undefined;
    }, 30_000);
    const ret = shown.returns.k1 as Record<string, { result: boolean; comment: string; __id__: string }>;
    const stop = Object.values(ret).find((s) => s.__id__ === 'interrupted');
    assert.ok(stop, JSON.stringify(ret));
    assert.equal(stop.result, false);
    assert.match(stop.comment, /interrupted \(the agent was killed or crashed\) at state 2 of 3: slow \(cmd\.run sleep 20; touch .*side-effect, SLS slow\).*not run again/);
    // the sleep's group was killed (its side effect never happens); the job was not run again
    assert.throws(() => process.kill(-pgid, 0), /ESRCH/, 'the process group is gone');
    assert.ok(existsSync(join(out, 'first')));
    assert.ok(!existsSync(join(out, 'side-effect')), 'the orphaned command was killed');
    assert.ok(!existsSync(join(out, 'after')), 'the job was not run again');
    assert.deepEqual(readdirSync(join(dir, 'k1', 'journal')).filter((n) => n.endsWith('.json') && n !== 'processes.json'), []);
  } finally {
    f.close();
    await cleanup();
  }
});

test('kill -9 during a large file.managed: the temporary file is removed at restart and the target was never partial', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-interrupt-');
  const out = join(dir, 'out');
  const f = await acceptedFleet(dir, {
    'states/big.sls': `${out}/big.bin:\n  file.managed:\n    - source: salt://big.bin\n`,
    'out/.keep': '',
  });
  try {
    await writeFile(join(dir, 'states', 'big.bin'), Buffer.alloc(40 * 1024 * 1024, 7));
    umecProc(['apply', 'k1', 'big', '-t', '60', '--config', f.cfg], f.procs);
    const tmp = await until('the temporary file of the write', () => readdirSync(out).find((n) => /^\.big\.bin\.[0-9a-f]{12}\.tmp$/.test(n)), 60_000, 2);
    const agent = f.agents.get('k1')!;
    agent.proc.kill('SIGKILL');
    await agent.exited;
    assert.ok(existsSync(join(out, tmp)), 'killed while writing');
    const jid = journaled(dir, (e) => e.reached?.id === `${out}/big.bin`);
    assert.ok(jid, 'the journal holds the job at the file.managed state');

    const again = await f.startAgent('k1');
    await until('the temporary file to be removed', () => !existsSync(join(out, tmp)) || undefined, 20_000);
    await until('the agent saying so', () => again.err().includes(`removed ${join(out, tmp)}`) || undefined);
    assert.ok(!existsSync(join(out, 'big.bin')), 'no partial target');
    const shown = await until('the interrupted return on the master', () => {
      const r = f.cli(['job', 'show', jid, '--json']);
      const j = r.code === 0 ? JSON.parse(r.stdout) as Shown : undefined;
      return j?.returns.k1 ? j : undefined;
    }, 30_000);
    const stop = Object.values(shown.returns.k1 as Record<string, { __id__: string; comment: string }>).find((s) => s.__id__ === 'interrupted');
    assert.match(stop?.comment ?? '', /at state 1 of 1: .*big\.bin \(file\.managed, SLS big\)/);
  } finally {
    f.close();
    await cleanup();
  }
});
