import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestService, BOARD_SYSFS } from '../../helpers/redfish.js';
import { sysfsSensors } from '../../../agent/redfish/sysfs.js';
import { tempDir } from '../../helpers/context.js';
import { writeSysfs } from '../../helpers/redfish.js';

type Link = { '@odata.id': string };

test('sysfs readings: thermal zones and hwmon temp/fan/power/voltage/current in their ABI units', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeSysfs(dir, { ...BOARD_SYSFS, 'class/hwmon/hwmon2/name': 'broken', 'class/hwmon/hwmon2/temp1_input': 'garbage' });
    const s = await sysfsSensors(dir);
    const by = Object.fromEntries(s.map((x) => [x.id, x]));
    assert.deepEqual(Object.keys(by).sort(), ['hwmon0_fan1', 'hwmon1_curr1', 'hwmon1_in1', 'hwmon1_power1', 'thermal_zone0', 'thermal_zone1']);
    assert.deepEqual([by.thermal_zone0.reading, by.thermal_zone0.units, by.thermal_zone0.context], [48.312, 'Cel', 'CPU']);
    assert.equal(by.thermal_zone1.context, 'SystemBoard');
    assert.deepEqual([by.hwmon0_fan1.reading, by.hwmon0_fan1.type, by.hwmon0_fan1.context], [3120, 'Rotational', 'Fan']);
    assert.deepEqual([by.hwmon1_power1.reading, by.hwmon1_power1.units], [5.25, 'W']);
    assert.deepEqual([by.hwmon1_in1.reading, by.hwmon1_in1.name], [5.04, 'VIN']);
    assert.equal(by.hwmon1_curr1.reading, 1.042);
    // no sysfs at all: no readings, not zeros
    assert.deepEqual(await sysfsSensors(`${dir}/missing`), []);
  } finally { await cleanup(); }
});

test('Sensors and EnvironmentMetrics over HTTPS show what the board measures, each Sensor valid against its schema', async () => {
  const svc = await startTestService();
  try {
    const { token } = await svc.login('reader');
    const col = await svc.req('GET', '/redfish/v1/Chassis/box1/Sensors', { token });
    const uris = (col.body.Members as Link[]).map((m) => m['@odata.id']);
    for (const id of ['thermal_zone0', 'thermal_zone1', 'hwmon0_fan1', 'hwmon1_power1', 'CPUUtilization', 'MemoryUtilization']) {
      assert.ok(uris.includes(`/redfish/v1/Chassis/box1/Sensors/${id}`), id);
    }
    const cpu = await svc.req('GET', '/redfish/v1/Chassis/box1/Sensors/thermal_zone0', { token });
    assert.deepEqual([cpu.body.ReadingType, cpu.body.ReadingUnits, cpu.body.Reading, cpu.body.PhysicalContext], ['Temperature', 'Cel', 48.312, 'CPU']);
    const load = await svc.req('GET', '/redfish/v1/Chassis/box1/Sensors/CPUUtilization', { token });
    assert.equal(load.body.ReadingType, 'Percent');
    assert.ok(Number(load.body.Reading) >= 0 && Number(load.body.Reading) <= 100);
    const env = await svc.req('GET', '/redfish/v1/Chassis/box1/EnvironmentMetrics', { token });
    assert.deepEqual(env.body.TemperatureCelsius, { DataSourceUri: '/redfish/v1/Chassis/box1/Sensors/thermal_zone1', Reading: 39 });
    assert.deepEqual(env.body.PowerWatts, { Reading: 5.25, DataSourceUri: '/redfish/v1/Chassis/box1/Sensors/hwmon1_power1' });
    const sys = await svc.req('GET', '/redfish/v1/Systems/box1', { token });
    assert.equal(sys.body.PowerState, 'On');
    assert.ok(Number((sys.body.MemorySummary as { TotalSystemMemoryGiB: number }).TotalSystemMemoryGiB) > 0);
    assert.deepEqual((sys.body.Actions as Record<string, { 'ResetType@Redfish.AllowableValues': string[] }>)['#ComputerSystem.Reset']['ResetType@Redfish.AllowableValues'],
      ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart']);
    const info = await svc.req('GET', '/redfish/v1/Systems/box1/ResetActionInfo', { token });
    assert.deepEqual((info.body.Parameters as Array<{ Name: string }>)[0].Name, 'ResetType');
  } finally { await svc.close(); }
});

test('a box without fans, power meters or thermal zones reports none: nothing is invented', async () => {
  const svc = await startTestService({ sysfs: { 'class/thermal/.keep': '' } });
  try {
    const { token } = await svc.login('reader');
    const col = await svc.req('GET', '/redfish/v1/Chassis/box1/Sensors', { token });
    const ids = (col.body.Members as Link[]).map((m) => m['@odata.id'].split('/').pop());
    assert.ok(ids.every((id) => /Utilization$|^Disk.*Usage$/.test(String(id))), ids.join(', '));
    const env = await svc.req('GET', '/redfish/v1/Chassis/box1/EnvironmentMetrics', { token });
    assert.equal('TemperatureCelsius' in env.body, false);
    assert.equal('PowerWatts' in env.body, false);
    assert.equal((await svc.req('GET', '/redfish/v1/Chassis/box1/Sensors/hwmon0_fan1', { token })).status, 404);
  } finally { await svc.close(); }
});
