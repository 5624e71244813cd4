import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { AccountStore } from '../../../agent/redfish/accounts.js';
import { LinuxHardware } from '../../../agent/redfish/hardware.js';
import { createRedfishApp } from '../../../agent/redfish/plugin.js';
import { SessionStore } from '../../../agent/redfish/sessions.js';
import { SettingsStore } from '../../../agent/redfish/settings.js';
import { TaskStore } from '../../../agent/redfish/tasks.js';
import { tempDir } from '../../helpers/context.js';
import { BOARD_SYSFS, RecordingHostname, redfishSchemas, startTestService, writeSysfs } from '../../helpers/redfish.js';

test('the plugin works without a socket through inject(): same auth, same schema-valid bodies, HEAD without a body', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeSysfs(join(dir, 'sys'), BOARD_SYSFS);
    const accounts = await new AccountStore(join(dir, 'accounts.json'), { threshold: 5, duration: 60, resetAfter: 60 }).load();
    await accounts.create({ username: 'admin', password: 'admin-pass-1', role: 'Administrator' });
    const settings = await new SettingsStore(join(dir, 'settings.json'), { sessionTimeout: 600 }).load();
    const app = await createRedfishApp({
      systemId: 'inj', version: 'test', accounts, settings, sessions: new SessionStore(600), tasks: new TaskStore(),
      hardware: new LinuxHardware({ sysfsRoot: join(dir, 'sys') }), hostname: new RecordingHostname(), protocol: { https: 8443 },
    });
    const auth = { authorization: `Basic ${Buffer.from('admin:admin-pass-1').toString('base64')}` };
    for (const url of ['/redfish/v1/', '/redfish/v1/Systems/inj', '/redfish/v1/Chassis/inj/Sensors/thermal_zone0', '/redfish/v1/Managers/agent']) {
      const r = await app.inject({ method: 'GET', url, headers: auth });
      assert.equal(r.statusCode, 200, url);
      redfishSchemas().validate(r.json(), url);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/redfish/v1/Systems/inj' })).statusCode, 401);
    const head = await app.inject({ method: 'HEAD', url: '/redfish/v1/Systems/inj', headers: auth });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    await app.close();
  } finally { await cleanup(); }
});

test('plain HTTP only when insecure_http is set, and NetworkProtocol says which is on', async () => {
  const svc = await startTestService({ http: true });
  try {
    assert.match(svc.url, /^http:\/\//);
    const r = await svc.req('GET', '/redfish/v1/Managers/agent/NetworkProtocol', { auth: 'reader' });
    assert.equal((r.body.HTTP as { ProtocolEnabled: boolean }).ProtocolEnabled, true);
    assert.equal((r.body.HTTPS as { ProtocolEnabled: boolean }).ProtocolEnabled, false);
  } finally { await svc.close(); }
  const tls = await startTestService();
  try {
    assert.match(tls.url, /^https:\/\//);
    const r = await tls.req('GET', '/redfish/v1/Managers/agent/NetworkProtocol', { auth: 'reader' });
    assert.deepEqual(r.body.HTTPS, { ProtocolEnabled: true, Port: Number(new URL(tls.url).port) });
    assert.equal((r.body.HTTP as { ProtocolEnabled: boolean }).ProtocolEnabled, false);
  } finally { await tls.close(); }
});
