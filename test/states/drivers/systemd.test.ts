import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemdServiceDriver, parseShow, unitName } from '../../../states/drivers/systemd.js';
import type { CommandRunner, ExecOptions, ExecResult } from '../../../states/types.js';

class RecordingRunner implements CommandRunner {
  readonly calls: Array<{ cmd: string | string[]; opts: ExecOptions | undefined }> = [];
  constructor(private readonly replies: Array<Partial<ExecResult>> = []) {}
  async run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ cmd, opts });
    return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...(this.replies.shift() ?? {}) };
  }
}

const SHOW_ARGS = ['show', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'UnitFileState'];

test('unitName appends .service only when the name has no unit suffix', () => {
  assert.equal(unitName('nginx'), 'nginx.service');
  assert.equal(unitName('nginx.service'), 'nginx.service');
  assert.equal(unitName('docker.socket'), 'docker.socket');
  assert.equal(unitName('apt-daily.timer'), 'apt-daily.timer');
  assert.equal(unitName('getty@tty1'), 'getty@tty1.service');
  assert.equal(unitName('my.app'), 'my.app.service');
});

test('status() runs systemctl show with the three properties and parses an active enabled unit', async () => {
  const runner = new RecordingRunner([{ stdout: 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n' }]);
  const st = await new SystemdServiceDriver(runner).status('nginx');
  assert.deepEqual(runner.calls[0].cmd, ['systemctl', ...SHOW_ARGS, 'nginx.service']);
  assert.deepEqual(st, { exists: true, active: true, enabled: true });
});

test('status() reports a not-found unit as not existing', async () => {
  const runner = new RecordingRunner([{ stdout: 'LoadState=not-found\nActiveState=inactive\nUnitFileState=\n' }]);
  assert.deepEqual(await new SystemdServiceDriver(runner).status('nosuch'), { exists: false, active: false, enabled: false });
});

test('parseShow: inactive disabled, activating, reloading, failed, static, masked, key order independent', () => {
  assert.deepEqual(parseShow('LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n'), { exists: true, active: false, enabled: false });
  assert.equal(parseShow('ActiveState=activating\nLoadState=loaded\n').active, true);
  assert.equal(parseShow('ActiveState=reloading\nLoadState=loaded\n').active, true);
  assert.equal(parseShow('LoadState=loaded\nActiveState=failed\n').active, false);
  assert.equal(parseShow('LoadState=loaded\nUnitFileState=static\n').enabled, true);
  assert.equal(parseShow('LoadState=loaded\nUnitFileState=enabled-runtime\n').enabled, true);
  assert.equal(parseShow('LoadState=loaded\nUnitFileState=alias\n').enabled, true);
  assert.deepEqual(parseShow('LoadState=masked\nActiveState=inactive\nUnitFileState=masked\n'), { exists: true, active: false, enabled: false });
});

test('each verb runs `systemctl <verb> <unit>` as an argv array', async () => {
  const runner = new RecordingRunner();
  const d = new SystemdServiceDriver(runner);
  await d.start('nginx');
  await d.stop('nginx.service');
  await d.restart('nginx');
  await d.reload('nginx');
  await d.enable('docker.socket');
  await d.disable('nginx');
  assert.deepEqual(runner.calls.map((c) => c.cmd), [
    ['systemctl', 'start', 'nginx.service'],
    ['systemctl', 'stop', 'nginx.service'],
    ['systemctl', 'restart', 'nginx.service'],
    ['systemctl', 'reload', 'nginx.service'],
    ['systemctl', 'enable', 'docker.socket'],
    ['systemctl', 'disable', 'nginx.service'],
  ]);
  assert.ok(runner.calls.every((c) => c.opts?.shell === undefined));
});

test('a failing verb throws with the command and stderr', async () => {
  const runner = new RecordingRunner([{
    code: 1,
    stderr: 'Job for nginx.service failed because the control process exited with error code.\nSee "systemctl status nginx.service" and "journalctl -xeu nginx.service" for details.\n',
  }]);
  await assert.rejects(new SystemdServiceDriver(runner).start('nginx'),
    (e: Error) => e.message.includes('systemctl start nginx.service') && e.message.includes('exited with code 1')
      && e.message.includes('Job for nginx.service failed'));
});

test('status() throws when systemd is not running (no PID 1 systemd)', async () => {
  const runner = new RecordingRunner([{
    code: 1, stderr: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\n',
  }]);
  await assert.rejects(new SystemdServiceDriver(runner).status('nginx'), /systemctl show .*Failed to connect to bus/s);
});
