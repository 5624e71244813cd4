import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, umec, umecProc, until, type Proc } from '../helpers/procs.js';

test('umec quickstart --once: master and agent on loopback, token enrolment, example tree applied, results printed, temp data removed', { timeout: 120_000 }, async () => {
  const r = umec(['quickstart', '--once', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { root: string; success: boolean; jid: string; returns: Record<string, Record<string, { result: boolean; changes: object }>> };
  assert.equal(out.success, true);
  assert.match(out.jid, /^\d{20}$/);
  const states = Object.values(out.returns['quickstart-box']);
  assert.equal(states.length, 7, 'every state of the example tree ran');
  assert.ok(states.every((s) => s.result === true));
  assert.ok(!existsSync(out.root), 'temporary data removed');
});

test('umec quickstart (interactive): prints results and next commands that work against the running master; Ctrl-C stops cleanly', { timeout: 120_000 }, async () => {
  const procs: Proc[] = [];
  try {
    const q = umecProc(['quickstart', '--state-output', 'terse'], procs);
    await until('next commands', () => /Press Ctrl-C/.test(q.out()) || undefined, 60_000);
    assert.match(q.out(), /Summary for quickstart-box\n-+\nSucceeded: 7 \(changed=\d\)\nFailed: {4}0/);
    const cfg = /umec key list -c (\S+)/.exec(q.out())![1];
    const keys = JSON.parse(umec(['key', 'list', '--json', '-c', cfg]).stdout) as { accepted: string[] };
    assert.deepEqual(keys.accepted, ['quickstart-box']);
    const motd = readFileSync(join(cfg, '..', 'demo', 'motd'), 'utf8');
    assert.match(motd, /Welcome to a µMEC box\nhost quickstart-box/);
    // the commands it suggests work while it runs
    const again = umec(['apply', '*', '--test', '-c', cfg]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Succeeded: 7\n/);
    q.proc.kill('SIGINT');
    assert.equal(await q.exited, 0);
    assert.ok(!existsSync(cfg), 'temporary directory removed on Ctrl-C');
  } finally {
    killAll(procs);
  }
});

test('npm run demo script is the non-interactive quickstart', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: { demo: string } };
  assert.match(pkg.scripts.demo, /quickstart --once/);
  const help = spawnSync(process.execPath, [new URL('../../../cli/bin/run.js', import.meta.url).pathname, 'quickstart', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--once/);
});
