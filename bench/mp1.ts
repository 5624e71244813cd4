/**
 * Mp1 rows: discovery (GET /services?ser_name=, 1,000 services registered) and
 * registration (POST) at 50 connections with autocannon, against a bare
 * node:http handler measured the same way; and the delay from a registration
 * to the notification reaching a subscriber on 127.0.0.1. Server and
 * baseline each run in their own process, apart from the load generator.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../test/helpers/net.js';
import { median } from './proc.js';
import type { Row, Section } from './section.js';

const TARGET = fileURLToPath(new URL('./mp1-target.js', import.meta.url));

async function start(mode: 'mp1' | 'minimal'): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const child = fork(TARGET, [mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, string>));
    child.once('exit', (code) => reject(new Error(`${mode} target exited with ${code}`)));
  });
  return { child, info };
}

const stop = (c: ChildProcess) => new Promise<void>((r) => { c.once('exit', () => r()); c.disconnect(); setTimeout(() => c.kill('SIGKILL'), 5000).unref(); });

async function load(url: string, o: { method?: string; headers?: Record<string, string>; body?: string; connections?: number } = {}) {
  await autocannon({ url, connections: 50, duration: 1, ...o }); // warm-up: JIT, keep-alive sockets
  const r = await autocannon({ url, connections: 50, duration: 4, ...o });
  if (r.errors || r.timeouts || r.non2xx) throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx answers`);
  return r;
}

export async function mp1Rows(): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const base = await start('minimal');
  const mp1 = await start('mp1');
  try {
    const { url, clientId, clientSecret } = mp1.info as { url: string; clientId: string; clientSecret: string };
    const tr = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
    const token = ((await tr.json()) as { access_token: string }).access_token;
    const auth = { authorization: `Bearer ${token}` };

    const probe = (await (await fetch(`${url}/mec_service_mgmt/v1/services?ser_name=svc-500`, { headers: auth })).json()) as unknown[];
    if (probe.length !== 1) notes.push(`mp1: discovery by ser_name found ${probe.length} services, expected 1`);

    // alternate baseline and discovery runs so that both see the same machine load
    const mins: Awaited<ReturnType<typeof load>>[] = [];
    const gets: Awaited<ReturnType<typeof load>>[] = [];
    for (let round = 0; round < 3; round++) {
      mins.push(await load(base.info.url));
      gets.push(await load(`${url}/mec_service_mgmt/v1/services?ser_name=svc-500`, { headers: auth }));
    }
    // one connection: the server's own latency, without 50 requests queueing on a shared 2-core box
    const single = await load(`${url}/mec_service_mgmt/v1/services?ser_name=svc-500`, { headers: auth, connections: 1 });
    const post = await load(`${url}/mec_service_mgmt/v1/applications/bench-app/services`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ serName: 'bench-new', version: '1.0', state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' }),
    });
    const med = (rs: typeof mins, f: (r: (typeof mins)[number]) => number) => median(rs.map(f));
    const minimal = { rps: med(mins, (r) => r.requests.average), p99: med(mins, (r) => r.latency.p99) };
    const get = { rps: med(gets, (r) => r.requests.average), p99: med(gets, (r) => r.latency.p99), p50: med(gets, (r) => r.latency.p50) };
    const ratio = get.rps / minimal.rps;
    rows.push(
      { name: 'mp1 minimal node:http handler (50 conns)', median: minimal.rps, unit: 'req/s', target: 'baseline', extra: `p99 ${minimal.p99} ms; median of 3 runs of 4 s; load avg ${loadavg()[0].toFixed(1)}` },
      { name: 'mp1 GET /services?ser_name (1,000 svcs, 50 conns)', median: get.rps, unit: 'req/s', target: '>= 0.5x baseline', extra: `${(ratio * 100).toFixed(0)}% of baseline` },
      { name: 'mp1 GET /services?ser_name p99', median: get.p99, unit: 'ms', target: '< 5 ms', extra: `p50 ${get.p50} ms (baseline p99 ${minimal.p99} ms)` },
      { name: 'mp1 GET /services?ser_name p99 (1 conn)', median: single.latency.p99, unit: 'ms', target: '-', extra: `p50 ${single.latency.p50} ms, ${single.requests.average} req/s` },
      { name: 'mp1 POST service (fsynced, 50 conns)', median: post.requests.average, unit: 'req/s', target: '-', extra: `p99 ${post.latency.p99} ms, p50 ${post.latency.p50} ms` },
    );

    // notification delay: from sending a registration to its notification arriving at a subscriber
    const port = await freePort();
    let arrived: (() => void) | undefined;
    const cb = createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = 204; res.end(); arrived?.(); }); });
    await new Promise<void>((r) => cb.listen(port, '127.0.0.1', () => r()));
    try {
      await fetch(`${url}/mec_service_mgmt/v1/applications/bench-app/subscriptions`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ subscriptionType: 'SerAvailabilityNotificationSubscription', callbackReference: `http://127.0.0.1:${port}/n`, filteringCriteria: { serNames: ['watched'] } }),
      });
      const xs: number[] = [];
      for (let i = 0; i < 40; i++) {
        const got = new Promise<void>((r) => { arrived = r; });
        const t0 = performance.now();
        await fetch(`${url}/mec_service_mgmt/v1/applications/bench-app/services`, {
          method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ serName: 'watched', version: String(i), state: 'ACTIVE', serializer: 'JSON', transportId: 'umec-rest-http' }),
        });
        await got;
        xs.push(performance.now() - t0);
      }
      const sorted = [...xs].sort((a, b) => a - b);
      rows.push({ name: 'mp1 change -> subscriber notified (127.0.0.1)', median: median(xs), unit: 'ms', target: '< 50 ms', extra: `max ${sorted.at(-1)!.toFixed(1)} ms of ${xs.length}` });
    } finally {
      cb.close();
    }
  } finally {
    await Promise.all([stop(base.child), stop(mp1.child)]);
  }
  return { rows, notes, skipped: [] };
}
