import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { CRASH_EXIT } from '../../lib/crash-policy.js';

const RUNNER = new URL('../../cli/daemon-runner.js', import.meta.url).href;
const LOG = new URL('../../lib/log.js', import.meta.url).href;

/**
 * A daemon in a child process, run by the same runner as `umec agent start` and `umec master start`
 * with a real pino logger: it serves HTTP and, on /reject or /throw, leaves an error unhandled.
 */
const DAEMON = `
import { createServer } from 'node:http';
import { runUntilSignal } from ${JSON.stringify(RUNNER)};
import { createLogger } from ${JSON.stringify(LOG)};
const log = createLogger({ name: 'crash-test' });
await runUntilSignal(async () => {
  const srv = createServer((req, res) => {
    if (req.url === '/reject') Promise.reject(new Error('boom from a promise nobody awaited'));
    if (req.url === '/throw') setImmediate(() => { throw new Error('boom from a callback'); });
    res.end('ok');
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  process.stdout.write(String(srv.address().port) + '\\n');
  return { stop: () => new Promise((r) => srv.close(() => r())) };
}, log);
`;

/** Runs the daemon, then GETs `path` (or sends SIGTERM for 'SIGTERM'), and waits for it to exit. */
async function runDaemon(path: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', DAEMON], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve(out.trim()); });
    void exited.then(() => reject(new Error(`the daemon exited before listening: ${stderr}`)));
  });
  // one request first: once it is answered, the runner has installed its handlers (they follow start() at once)
  const r = await fetch(`http://127.0.0.1:${port}${path === 'SIGTERM' ? '/' : path}`);
  assert.equal(await r.text(), 'ok');
  if (path === 'SIGTERM') child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr };
}

describe('daemons on an unhandled error (issue 15, finding 2)', () => {
  for (const [path, origin, message] of [['/reject', 'unhandledRejection', 'boom from a promise nobody awaited'], ['/throw', 'uncaughtException', 'boom from a callback']]) {
    it(`log an ${origin} as fatal with pino and exit ${CRASH_EXIT} for systemd to restart them`, async () => {
      const { code, stderr } = await runDaemon(path);
      assert.equal(code, CRASH_EXIT, stderr);
      const fatal = stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; origin: string; err: { message: string; stack: string } });
      assert.equal(fatal.length, 1, stderr);
      assert.equal(fatal[0].level, 60);
      assert.equal(fatal[0].origin, origin);
      assert.equal(fatal[0].err.message, message);
      assert.match(fatal[0].err.stack, /boom/);
      assert.match(fatal[0].msg, /exiting so the service manager restarts the daemon/);
    });
  }

  it('stop cleanly with status 0 on SIGTERM', async () => {
    const { code, stderr } = await runDaemon('SIGTERM');
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});
