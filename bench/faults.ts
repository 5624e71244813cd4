/**
 * Issue 27 benchmark rows (reliability under faults): how long an agent whose key was deleted on
 * the master takes to show up as pending again, with the default acceptance_wait_time (10 s).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { control, freePort, median, sleep, startChild, stopChild, timedRun, trackDir, untrackDir, type Child } from './proc.js';
import type { Section } from './section.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const REPS = 5;
const ACCEPTANCE_WAIT = 10;

async function waitUntil(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export async function faultRows(): Promise<Section> {
  const s: Section = { rows: [], notes: [], skipped: [] };
  const dir = trackDir(await mkdtemp(join(tmpdir(), 'umec-bench-faults-')));
  let master: Child | undefined;
  let agent: Child | undefined;
  try {
    const [pub, ret] = [await freePort(), await freePort()];
    await writeFile(join(dir, 'master.yaml'), `data_dir: ${dir}/m\nstate_root: ${dir}\npillar_root: ${dir}\ninterface: 127.0.0.1\npublish_port: ${pub}\nreturn_port: ${ret}\n`);
    master = startChild(process.execPath, [BIN, 'master', 'start', '--config', join(dir, 'master.yaml')]);
    const sock = join(dir, 'm', 'master.sock');
    await waitUntil('the master', () => existsSync(sock), 30_000);
    const key = (await timedRun(process.execPath, [BIN, 'key', 'master', '--config', join(dir, 'master.yaml')], 30_000)).stdout.trim();
    await writeFile(join(dir, 'agent.yaml'), `id: deaf\nmaster: 127.0.0.1:${ret}\nmaster_pubkey: '${key}'\ndata_dir: ${dir}/a\nacceptance_wait_time: ${ACCEPTANCE_WAIT}\n`);
    agent = startChild(process.execPath, [BIN, 'agent', 'start', '--config', join(dir, 'agent.yaml')]);
    const a = agent;
    const pending = join(dir, 'm', 'pki', 'agents', 'pending', 'deaf');
    await waitUntil('the agent key', () => existsSync(pending), 30_000);
    let rejoined = 0;
    a.proc.stderr?.on('data', (t: string) => { rejoined += (t.match(/joined the master|key accepted again/g) ?? []).length; });
    const accepted = (n: number) => rejoined >= n;
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      await control(sock, { op: 'key.accept', id: 'deaf' }, 10_000);
      // the agent has greeted the master (its first hello, or its hello after being accepted again)
      await waitUntil(`the agent to be accepted (run ${i}, ${rejoined} joins seen)`, () => accepted(i + 1), 2 * ACCEPTANCE_WAIT * 1000);
      await sleep(500);
      const t0 = performance.now();
      await control(sock, { op: 'key.delete', id: 'deaf' }, 10_000);
      await waitUntil('the agent to ask again', () => existsSync(pending), 3 * ACCEPTANCE_WAIT * 1000);
      times.push(performance.now() - t0);
    }
    const m = median(times);
    s.rows.push({
      name: 'deaf agent back as pending after key delete', median: m, unit: 'ms', target: `< ${ACCEPTANCE_WAIT + 1} s (acceptance_wait_time + 1 s)`,
      extra: `${m < (ACCEPTANCE_WAIT + 1) * 1000 ? 'met' : 'MISSED'}; ${REPS} runs, max ${Math.max(...times).toFixed(0)} ms`,
    });
  } catch (e) {
    s.notes.push(`faults: ${(e as Error).message}${agent ? `\nagent: ${agent.stderr().slice(-1500)}` : ''}`);
  } finally {
    if (agent) await stopChild(agent.proc, agent.exited);
    if (master) await stopChild(master.proc, master.exited);
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
  }
  return s;
}
