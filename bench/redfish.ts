/**
 * Redfish over real HTTPS on 127.0.0.1: GET of the ComputerSystem and of the Sensors
 * collection with a session token, 50 concurrent connections (autocannon), against a
 * minimal node:https handler returning the same JSON in the same run.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Row, Section } from './section.js';
import { median } from './proc.js';

const ROUNDS = 3;
const SECONDS = 4;

interface Started { redfish: string; minimal: string; token: string; paths: { systems: string; sensors: string } }

async function load(url: string, token: string, connections = 50): Promise<{ rps: number; p99: number; bad: number }> {
  const r = await autocannon({ url, connections, duration: SECONDS, headers: { 'x-auth-token': token } });
  return { rps: r.requests.average, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts };
}

export async function redfishRows(): Promise<Section> {
  const out: Section = { rows: [], notes: [], skipped: [] };
  const child = spawn(process.execPath, [fileURLToPath(new URL('./redfish-server.js', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (c) => reject(new Error(`redfish bench server exited with ${c}`)));
    });
    const s = JSON.parse(line) as Started;
    for (const [what, path] of [['Systems/<id>', s.paths.systems], ['Sensors collection', s.paths.sensors]] as const) {
      const rf: Array<{ rps: number; p99: number }> = [];
      const base: Array<{ rps: number; p99: number }> = [];
      await load(`${s.redfish}${path}`, s.token); // warm-up: JIT, TLS sessions, the readings cache
      for (let i = 0; i < ROUNDS; i++) {
        // alternate so that load from other work on the machine falls on both alike
        const a = await load(`${s.redfish}${path}`, s.token);
        const b = await load(`${s.minimal}${path}`, s.token);
        if (a.bad || b.bad) out.notes.push(`redfish ${what}: ${a.bad} failed requests to Redfish, ${b.bad} to the minimal handler`);
        rf.push(a); base.push(b);
      }
      const rps = median(rf.map((x) => x.rps));
      const baseRps = median(base.map((x) => x.rps));
      const p99 = median(rf.map((x) => x.p99));
      const rows: Row[] = [
        { name: `redfish GET ${what} (session, 50 conns)`, median: rps, unit: 'req/s', target: '>= 0.5x minimal', extra: `${(rps / baseRps).toFixed(2)}x the minimal handler` },
        { name: `redfish GET ${what} p99`, median: p99, unit: 'ms', target: '< 10 ms' },
        { name: `minimal node:https same JSON (${what})`, median: baseRps, unit: 'req/s', target: 'reference', extra: `p99 ${median(base.map((x) => x.p99)).toFixed(1)} ms` },
      ];
      out.rows.push(...rows);
    }
    // the same request with 10 connections: latency without 50-deep queueing on a 2-core machine that also runs the load generator
    const light = await load(`${s.redfish}${s.paths.systems}`, s.token, 10);
    const lightBase = await load(`${s.minimal}${s.paths.systems}`, s.token, 10);
    out.rows.push({ name: 'redfish GET Systems/<id> p99 (10 conns)', median: light.p99, unit: 'ms', target: 'context', extra: `${light.rps.toFixed(0)} req/s; minimal handler p99 ${lightBase.p99.toFixed(1)} ms` });
  } finally {
    child.stdin?.end();
    await new Promise((r) => { if (child.exitCode !== null) r(null); else child.once('exit', r); });
  }
  return out;
}
