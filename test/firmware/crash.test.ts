import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFile, stat, writeFile, rm } from 'node:fs/promises';
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/context.js';
import { engineFor, makeBox, makeBundle, simulateBoot, slotBytes, type Box } from '../helpers/firmware.js';
import { UpdateJournal } from '../../firmware/journal.js';
import type { SlotName } from '../../firmware/types.js';

const CHILD = fileURLToPath(new URL('../helpers/fw-child.js', import.meta.url));

interface ChildRun { stopped?: string; done?: string; killedWhileWriting?: boolean }

/** Runs the installer child; kills it -9 at STOPPED, or once slot B has grown past `killAtByte`. */
function runChild(boxFile: string, args: string[], o: { stopPhase?: string; killAtByte?: number; slot?: string } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, boxFile, ...args], {
      env: { ...process.env, ...(o.stopPhase ? { STOP_PHASE: o.stopPhase } : {}) }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const res: ChildRun = {};
    let polling = o.killAtByte !== undefined;
    const poll = async () => {
      while (polling) {
        const size = await stat(o.slot!).then((s) => s.size, () => 0);
        if (size >= o.killAtByte!) { child.kill('SIGKILL'); res.killedWhileWriting = true; return; }
        await new Promise((r) => setImmediate(r));
      }
    };
    void poll();
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /STOPPED (\S+)/.exec(out);
      if (m && !res.stopped) { res.stopped = m[1]; child.kill('SIGKILL'); }
      const dm = /DONE (.*)\n/.exec(out);
      if (dm) res.done = dm[1];
    });
    child.on('error', reject);
    child.on('exit', () => { polling = false; resolve(res); });
  });
}

async function resets(box: Box): Promise<number> {
  return (await readFile(box.powerLog, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

/**
 * The box boots a slot: it must hold a complete good image, never a torn one:
 * A the shipped image, B the new image in full.
 */
async function bootAndCheck(box: Box, newImage: Buffer, trace: string[]): Promise<SlotName> {
  const slot = await simulateBoot(box);
  trace.push(`boot ${slot}`);
  const bytes = await slotBytes(box, slot);
  const want = slot === 'A' ? box.oldImage : newImage;
  assert.ok(bytes.equals(want), `booted slot ${slot} does not hold a complete good image (${trace.join(', ')})`);
  return slot;
}

interface Scenario { stopIn?: 'install' | 'resume'; stopPhase?: string; killAtByte?: number; powerLoss: boolean; healthy: boolean; unsigned?: boolean }

async function runScenario(dir: string, sc: Scenario, size = 200_000): Promise<{ stopped: boolean; trace: string[]; phase: string }> {
  const box = await makeBox(dir, { health: { commands: [`test -e ${join(dir, 'healthy')}`], master_within: 0 } });
  if (sc.healthy) await writeFile(join(dir, 'healthy'), '');
  const newImage = randomBytes(size);
  const bundle = await makeBundle(box, newImage, { sign: !sc.unsigned });
  const boxFile = join(dir, 'box.json');
  await writeFile(boxFile, JSON.stringify({ settings: box.settings, powerLog: box.powerLog }));
  const trace: string[] = [];
  let stopped = false;
  let seenResets = 0;
  const after = async (r: ChildRun) => {
    if (r.stopped || r.killedWhileWriting) {
      stopped = true;
      trace.push(`kill -9 at ${r.stopped ?? 'byte offset'}`);
      if (sc.powerLoss) { trace.push('power loss'); await bootAndCheck(box, newImage, trace); seenResets = await resets(box); }
      return true;
    }
    const n = await resets(box);
    if (n > seenResets) { seenResets = n; await bootAndCheck(box, newImage, trace); return true; }
    return false;
  };
  const first = await runChild(boxFile, ['install', bundle], {
    ...(sc.stopIn === 'install' && sc.stopPhase ? { stopPhase: sc.stopPhase } : {}),
    ...(sc.killAtByte !== undefined ? { killAtByte: sc.killAtByte, slot: box.settings.slots.B.device } : {}),
  });
  trace.push(`install ${first.done ?? ''}`);
  await after(first);
  for (let i = 0; i < 8; i++) {
    const r = await runChild(boxFile, ['resume'], sc.stopIn === 'resume' && !stopped && sc.stopPhase ? { stopPhase: sc.stopPhase } : {});
    trace.push(`resume ${r.done ? JSON.parse(r.done).phase ?? r.done : ''}`);
    if (!(await after(r))) break;
    assert.ok(i < 7, `no steady state: ${trace.join(', ')}`);
  }
  // settled: the journal is final and agrees with the boot env and the slots
  const j = await new UpdateJournal(box.settings.journal_dir).read();
  const s = await engineFor(box).status();
  assert.ok(['committed', 'rolled-back', 'failed'].includes(j.phase), `journal left at ${j.phase}: ${trace.join(', ')}`);
  const running = s.booted;
  assert.equal(s.slots.find((x) => x.next)?.name, running, `the next boot must be the running slot (${trace.join(', ')})`);
  assert.equal(j.slots[running].state, 'good', `running slot ${running} is good (${trace.join(', ')})`);
  if (j.phase === 'committed') {
    assert.equal(running, 'B');
    assert.ok((await slotBytes(box, 'B')).equals(newImage));
    assert.ok(sc.healthy || sc.stopPhase === 'committed', 'an unhealthy box never commits');
  } else {
    assert.equal(running, 'A', `after ${j.phase} the box runs A (${trace.join(', ')})`);
    assert.notEqual(j.slots.B.state, 'good');
  }
  assert.equal(await bootAndCheck(box, newImage, trace), running, 'and keeps booting it');
  // a new update can start from here
  await rm(join(dir, 'healthy'), { force: true });
  return { stopped, trace, phase: j.phase };
}

describe('firmware fault injection: kill -9 of the installer, then restart (real fw_setenv on a file-backed U-Boot env)', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  before(async () => { t = await tempDir('umec-fwc-'); });
  after(async () => { await t.cleanup(); });

  const steps: Array<[Scenario['stopIn'], string, boolean]> = [
    ['install', 'verifying', true], ['install', 'writing', true], ['install', 'written', true], ['install', 'rebooting', true],
    ['resume', 'booted-trying', true], ['resume', 'health-checking', true], ['resume', 'committed', true],
    ['resume', 'health-checking', false], ['resume', 'rolled-back', false], ['install', 'failed', false],
  ];
  for (const [stopIn, phase, healthy] of steps) {
    for (const powerLoss of [false, true]) {
      it(`killed at ${phase} (${stopIn}, ${healthy ? 'healthy' : 'unhealthy'} box), ${powerLoss ? 'power lost' : 'process restarted'}`, async () => {
        const r = await runScenario(join(t.dir, `s${n++}`), { stopIn, stopPhase: phase, powerLoss, healthy, unsigned: phase === 'failed' });
        assert.ok(r.stopped, `the installer reached ${phase}: ${r.trace.join(', ')}`);
        // a power cut during the trial boot uses up its one try: the bootloader falls back and the journal says so
        const trialLost = powerLoss && ['rebooting', 'booted-trying', 'health-checking'].includes(phase);
        if (healthy && !['verifying', 'writing', 'written', 'failed'].includes(phase)) assert.equal(r.phase, trialLost ? 'rolled-back' : 'committed', r.trace.join(', '));
        if (healthy && ['verifying', 'writing', 'written'].includes(phase)) assert.equal(r.phase, 'failed', r.trace.join(', '));
        if (!healthy) assert.equal(r.phase, phase === 'failed' ? 'failed' : 'rolled-back', r.trace.join(', '));
      });
    }
  }

  it('killed at random byte offsets while writing the slot (32 MiB image)', async () => {
    const size = 32 << 20;
    let midWrite = 0;
    for (let i = 0; i < 4; i++) {
      const at = randomInt(1, size);
      const r = await runScenario(join(t.dir, `r${n++}`), { killAtByte: at, powerLoss: i % 2 === 1, healthy: true }, size);
      if (r.stopped) midWrite++;
      assert.ok(['failed', 'committed'].includes(r.phase), r.trace.join(', '));
    }
    assert.ok(midWrite >= 1, 'at least one kill landed while writing');
  });
});
