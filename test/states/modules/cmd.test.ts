import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cmdModule } from '../../../states/modules/cmd.js';
import type { StateArgs } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const run = (args: StateArgs, test = false) => cmdModule.functions.run.run(args, makeContext({ test }));

test('a successful command returns result true, retcode 0 and its stdout in changes', async () => {
  const r = await run({ name: 'echo hello; echo oops >&2' });
  assert.equal(r.result, true);
  assert.equal(r.comment, 'Command "echo hello; echo oops >&2" run');
  const { pid, ...rest } = r.changes as { pid: number };
  assert.ok(Number.isInteger(pid) && pid > 0, 'pid of the command is reported');
  assert.deepEqual(rest, { retcode: 0, stdout: 'hello', stderr: 'oops' });
});

test('a non-zero exit code gives result false and reports the retcode', async () => {
  const r = await run({ name: 'exit 3' });
  assert.equal(r.result, false);
  assert.equal(r.changes.retcode, 3);
});

test('success_retcodes makes a listed non-zero exit code a success', async () => {
  const r = await run({ name: 'exit 2', success_retcodes: [0, 2] });
  assert.equal(r.result, true);
  assert.equal(r.changes.retcode, 2);
});

test('cwd sets the working directory of the command', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const r = await run({ name: 'pwd -P', cwd: dir });
    assert.equal(r.result, true);
    assert.match(String(r.changes.stdout), new RegExp(`${dir.split('/').pop()}$`));
  } finally { await cleanup(); }
});

test('a nonexistent cwd fails with a clear comment instead of throwing', async () => {
  const r = await run({ name: 'true', cwd: '/nonexistent/umec-cwd' });
  assert.equal(r.result, false);
  assert.equal(r.comment, 'Desired working directory "/nonexistent/umec-cwd" is not available');
});

test('env as a map passes string, number and boolean values to the command', async () => {
  const r = await run({ name: 'echo "$A-$B-$C"', env: { A: 'x', B: 7, C: true } });
  assert.equal(r.changes.stdout, 'x-7-true');
});

test("env in Salt's list-of-single-key-maps form is merged", async () => {
  const r = await run({ name: 'echo "$A-$B"', env: [{ A: 'one' }, { B: 'two' }] });
  assert.equal(r.changes.stdout, 'one-two');
});

test('timeout kills a long-running command and fails with a timed-out comment', async () => {
  const r = await run({ name: 'sleep 30', timeout: 0.5 });
  assert.equal(r.result, false);
  assert.equal(r.comment, 'Command "sleep 30" timed out after 0.5 seconds');
});

test('creates: when every listed path exists the command is not run', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, 'a'), '');
    await writeFile(join(dir, 'b'), '');
    const marker = join(dir, 'ran');
    const r = await run({ name: `touch ${marker}`, creates: [join(dir, 'a'), join(dir, 'b')] });
    assert.deepEqual(r, { name: `touch ${marker}`, result: true, changes: {}, comment: 'All files in creates exist' });
    assert.equal(existsSync(marker), false);
  } finally { await cleanup(); }
});

test('creates: when a listed path is missing the command runs', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const target = join(dir, 'made');
    const r = await run({ name: `touch ${target}`, creates: target });
    assert.equal(r.result, true);
    assert.equal(existsSync(target), true);
  } finally { await cleanup(); }
});

test('test mode predicts execution with result null and runs nothing', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const target = join(dir, 'made');
    const r = await run({ name: `touch ${target}` }, true);
    assert.deepEqual(r, { name: `touch ${target}`, result: null, changes: {},
      comment: `Command "touch ${target}" would have been executed` });
    assert.equal(existsSync(target), false);
  } finally { await cleanup(); }
});

test('test mode still honours creates', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const r = await run({ name: 'true', creates: dir }, true);
    assert.equal(r.result, true);
    assert.equal(r.comment, 'All files in creates exist');
  } finally { await cleanup(); }
});

test('stateful key=value last line: changed=yes sets comment and keeps earlier stdout', async () => {
  const r = await run({ name: `echo working; echo "changed=yes comment='did it' extra=1"`, stateful: true });
  assert.equal(r.result, true);
  assert.equal(r.comment, 'did it');
  assert.deepEqual({ ...r.changes, pid: undefined }, { retcode: 0, stdout: 'working', stderr: '', extra: '1', pid: undefined });
});

test('stateful key=value last line: changed=no reports no changes', async () => {
  const r = await run({ name: `echo "changed=no comment='already fine'"`, stateful: true });
  assert.equal(r.result, true);
  assert.equal(r.comment, 'already fine');
  assert.deepEqual(r.changes, {});
});

test('stateful JSON output: changed and comment are honoured and stdout is hidden', async () => {
  const yes = await run({ name: `echo '{"changed": true, "comment": "json did it"}'`, stateful: true });
  assert.equal(yes.comment, 'json did it');
  assert.deepEqual({ ...yes.changes, pid: undefined }, { retcode: 0, stdout: '', stderr: '', pid: undefined });
  const no = await run({ name: `echo '{"changed": false, "comment": "json fine"}'`, stateful: true });
  assert.equal(no.comment, 'json fine');
  assert.deepEqual(no.changes, {});
});

test('stateful output that is neither JSON nor name=value pairs fails', async () => {
  const r = await run({ name: 'echo just some words', stateful: true });
  assert.equal(r.result, false);
  assert.match(r.comment, /Failed parsing script output/);
});

test('a non-default shell runs the command through that shell', async () => {
  const r = await run({ name: 'echo $0', shell: '/bin/bash' });
  assert.equal(r.result, true);
  assert.equal(r.changes.stdout, '/bin/bash');
});

test('cmd.wait run() does nothing; its modWatch runs the command', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const target = join(dir, 'made');
    const wait = cmdModule.functions.wait;
    const idle = await wait.run({ name: `touch ${target}` }, makeContext());
    assert.equal(idle.result, true);
    assert.deepEqual(idle.changes, {});
    assert.equal(existsSync(target), false);
    const fired = await wait.modWatch!({ name: `touch ${target}` }, makeContext());
    assert.equal(fired.result, true);
    assert.equal(fired.changes.retcode, 0);
    assert.equal(existsSync(target), true);
  } finally { await cleanup(); }
});

test('cmd.run modWatch runs the command like run', async () => {
  const r = await cmdModule.functions.run.modWatch!({ name: 'echo watched' }, makeContext());
  assert.equal(r.result, true);
  assert.equal(r.changes.stdout, 'watched');
});

test('run and wait schemas exclude name and default shell and success_retcodes', () => {
  for (const fn of ['run', 'wait']) {
    const schema = cmdModule.functions[fn].schema as { properties: Record<string, { default?: unknown }>; additionalProperties: boolean };
    assert.equal(schema.additionalProperties, false);
    assert.equal('name' in schema.properties, false);
    assert.equal(schema.properties.shell.default, '/bin/sh');
    assert.deepEqual(schema.properties.success_retcodes.default, [0]);
  }
});
