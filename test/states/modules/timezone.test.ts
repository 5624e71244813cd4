import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { RootFiles } from '../../../states/drivers/root-files.js';
import { DebianTimezoneDriver } from '../../../states/drivers/timezone.js';
import { timezoneModule } from '../../../states/modules/timezone.js';
import { stateCaller } from '../../helpers/call-state.js';
import { tempDir } from '../../helpers/context.js';
import { PrivateMountRunner } from '../../helpers/private-mounts.js';

const ZONES = ['Etc/UTC', 'Europe/Berlin'];
const needsTzdata = !existsSync('/usr/share/zoneinfo/Europe/Berlin') ? 'needs tzdata' : false;

/** A Debian-like root: tzdata's zone files, /etc/localtime -> Etc/UTC, /etc/timezone. */
async function withRoot(fn: (env: { root: string; files: RootFiles; read: (p: string) => Promise<string> }) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-tz-');
  try {
    for (const z of ZONES) {
      const p = join(dir, 'usr/share/zoneinfo', z);
      await mkdir(dirname(p), { recursive: true });
      await copyFile(join('/usr/share/zoneinfo', z), p);
    }
    await mkdir(join(dir, 'etc'));
    await symlink('/usr/share/zoneinfo/Etc/UTC', join(dir, 'etc/localtime'));
    await writeFile(join(dir, 'etc/timezone'), 'Etc/UTC\n');
    await fn({ root: dir, files: new RootFiles(dir), read: (p) => readFile(join(dir, p), 'utf8') });
  } finally { await cleanup(); }
}

test('system on a Debian root without timedatectl: links /etc/localtime, writes /etc/timezone, then nothing to do', { skip: needsTzdata }, async () => {
  await withRoot(async ({ root, files, read }) => {
    const state = stateCaller(timezoneModule, { timezone: new DebianTimezoneDriver(new ProcessRunner(), files) });
    const predicted = await state('system', { name: 'Europe/Berlin' }, true);
    assert.deepEqual(predicted, { name: 'Europe/Berlin', result: null, changes: { timezone: 'Europe/Berlin' }, comment: 'Timezone Europe/Berlin needs to be set' });
    assert.equal(await readlink(join(root, 'etc/localtime')), '/usr/share/zoneinfo/Etc/UTC');
    const r = await state('system', { name: 'Europe/Berlin' });
    assert.deepEqual(r, { name: 'Europe/Berlin', result: true, changes: { timezone: 'Europe/Berlin' }, comment: 'Set timezone Europe/Berlin' });
    assert.equal(await readlink(join(root, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Berlin');
    assert.equal(await read('etc/timezone'), 'Europe/Berlin\n');
    const again = await state('system', { name: 'Europe/Berlin', utc: true });
    assert.deepEqual(again, { name: 'Europe/Berlin', result: true, changes: {},
      comment: 'Timezone Europe/Berlin already set, UTC already set to Europe/Berlin' });
    assert.deepEqual(await state('system', { name: 'Europe/Berlin' }, true), again);
  });
});

test('a local-time hardware clock is set to UTC (utc: True, Salt\'s default); utc: False asks for nothing', { skip: needsTzdata }, async () => {
  await withRoot(async ({ root, files, read }) => {
    await writeFile(join(root, 'etc/adjtime'), '0.0 0 0.0\n0\nLOCAL\n');
    const state = stateCaller(timezoneModule, { timezone: new DebianTimezoneDriver(new ProcessRunner(), files) });
    assert.deepEqual(await state('system', { name: 'Etc/UTC', utc: false }),
      { name: 'Etc/UTC', result: true, changes: {}, comment: 'Timezone Etc/UTC already set' });
    const predicted = await state('system', { name: 'Etc/UTC' }, true);
    assert.deepEqual(predicted, { name: 'Etc/UTC', result: null, changes: { utc: true }, comment: 'UTC needs to be set to True' });
    const r = await state('system', { name: 'Etc/UTC' });
    assert.deepEqual(r, { name: 'Etc/UTC', result: true, changes: { utc: true }, comment: 'Set UTC to True' });
    assert.equal(await read('etc/adjtime'), '0.0 0 0.0\n0\nUTC\n');
    assert.deepEqual((await state('system', { name: 'Etc/UTC' })).changes, {});
  });
});

test('an unknown zone fails with Salt\'s comparison error and changes nothing', { skip: needsTzdata }, async () => {
  await withRoot(async ({ root, files }) => {
    const state = stateCaller(timezoneModule, { timezone: new DebianTimezoneDriver(new ProcessRunner(), files) });
    const r = await state('system', { name: 'Mars/Olympus_Mons' });
    assert.deepEqual(r, { name: 'Mars/Olympus_Mons', result: false, changes: {},
      comment: 'Unable to compare desired timezone \'Mars/Olympus_Mons\' to system timezone: Can\'t find a local timezone "Mars/Olympus_Mons"' });
    assert.equal(await readlink(join(root, 'etc/localtime')), '/usr/share/zoneinfo/Etc/UTC');
  });
});

const skipTimedatectl = !existsSync('/usr/bin/timedatectl') || process.getuid?.() !== 0 ? 'needs systemd\'s timedatectl and root (mount namespaces)' : false;

test('with timedatectl and no running systemd (an empty /run), the state fails as Salt\'s does and changes nothing', { skip: skipTimedatectl || needsTzdata }, async () => {
  await withRoot(async ({ root, files }) => {
    const { dir: run, cleanup } = await tempDir('umec-tz-run-');
    try {
      // Salt's recorded run: a root with an empty tmpfs on /run, where timedatectl cannot reach systemd.
      const runner = new PrivateMountRunner(new ProcessRunner(), [{ src: run, dst: '/run' }]);
      const state = stateCaller(timezoneModule, { timezone: new DebianTimezoneDriver(runner, files, 'timedatectl') });
      const r = await state('system', { name: 'Europe/Berlin' });
      assert.equal(r.result, false);
      assert.deepEqual(r.changes, {});
      assert.match(r.comment, /timedatectl failed: System has not been booted with systemd as init system \(PID 1\)\. Can't operate\.\nFailed to connect to bus/);
      assert.equal(await readlink(join(root, 'etc/localtime')), '/usr/share/zoneinfo/Etc/UTC');
    } finally { await cleanup(); }
  });
});

test('without a timezone driver the state fails naming it', async () => {
  const r = await stateCaller(timezoneModule, {})('system', { name: 'Etc/UTC' });
  assert.equal(r.result, false);
  assert.match(r.comment, /timezone driver is not available/);
});
