import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FirmwareEngineDouble } from '../../doubles/firmware-engine.js';
import { engineFor, makeBox, makeBundle, slotBytes } from '../../helpers/firmware.js';
import { tempDir } from '../../helpers/context.js';
import { startTestService, type Reply, type TestService } from '../../helpers/redfish.js';
import { waitFor } from '../../helpers/fleet.js';

const SIMPLE = '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate';
type Msg = { MessageId: string; MessageArgs: string[]; Oem?: { umec?: { Reason?: string } } };
const msgIds = (r: Reply) => (r.body.Messages as Msg[]).map((m) => m.MessageId.replace(/\.\d+\.\d+\.\d+\./, '.'));

async function untilDone(svc: TestService, monitor: string, token: string): Promise<Reply> {
  let last!: Reply;
  await waitFor(async () => {
    last = await svc.req('GET', monitor, { token });
    return last.status !== 202;
  }, `task monitor ${monitor}`, 20_000, 50);
  return last;
}

let svc: TestService;
let engine: FirmwareEngineDouble;
let scratch: Awaited<ReturnType<typeof tempDir>>;
before(async () => {
  engine = new FirmwareEngineDouble();
  svc = await startTestService({ firmware: engine });
  scratch = await tempDir();
});
after(async () => { await svc.close(); await scratch.cleanup(); });

test('FirmwareInventory lists both slots as SoftwareInventory: version, and only the inactive one Updateable', async () => {
  const { token } = await svc.login('reader');
  const inv = await svc.req('GET', '/redfish/v1/UpdateService/FirmwareInventory', { token });
  assert.deepEqual((inv.body.Members as Array<{ '@odata.id': string }>).map((m) => m['@odata.id']),
    ['/redfish/v1/UpdateService/FirmwareInventory/SlotA', '/redfish/v1/UpdateService/FirmwareInventory/SlotB']);
  const a = await svc.req('GET', '/redfish/v1/UpdateService/FirmwareInventory/SlotA', { token });
  assert.equal(a.body.Version, '1.0.0');
  assert.equal(a.body.Updateable, false);
  const b = await svc.req('GET', '/redfish/v1/UpdateService/FirmwareInventory/SlotB', { token });
  assert.equal(b.body.Updateable, true);
  assert.equal('Version' in b.body, false, 'nothing written to B yet: no version invented');
  const sys = await svc.req('GET', '/redfish/v1/Systems/box1', { token });
  assert.equal(sys.body.BiosVersion, '1.0.0', 'the booted slot holds the primary system firmware');
});

test('SimpleUpdate: 202 with a task monitor; the task runs with progress and Update/TaskEvent messages, then completes', async () => {
  const image = join(scratch.dir, 'image-2.0.0.bin');
  await writeFile(image, Buffer.concat([Buffer.from('2.0.0\n'), Buffer.alloc(300 * 1024, 7)]));
  let release!: () => void;
  engine.gate = new Promise((r) => { release = r; });
  const { token } = await svc.login('operator');
  const r = await svc.req('POST', SIMPLE, { token, body: { ImageURI: `file://${image}`, '@Redfish.OperationApplyTime': 'OnReset' } });
  assert.equal(r.status, 202, r.text);
  const monitor = String(r.headers.location);
  assert.match(monitor, /^\/redfish\/v1\/TaskService\/TaskMonitors\/\d+$/);
  assert.equal(r.body.TaskMonitor, monitor);
  const running = await svc.req('GET', monitor, { token });
  assert.equal(running.status, 202);
  assert.equal(running.body.TaskState, 'Running');
  // a second update while one runs is refused
  const again = await svc.req('POST', SIMPLE, { token, body: { ImageURI: image } });
  assert.equal(again.status, 409);
  // through the error table: FW_BUSY is a conflict, Base.ResourceInUse, with umec's reason
  const busyInfo = (again.body.error as { '@Message.ExtendedInfo': Array<{ MessageId: string; Oem: { umec: { Code: string; Reason: string } } }> })['@Message.ExtendedInfo'][0];
  assert.match(busyInfo.MessageId, /^Base\.[\d.]+\.ResourceInUse$/);
  assert.deepEqual(busyInfo.Oem.umec, { Code: 'FW_BUSY', Reason: 'firmware update refused: an update is already running' });
  engine.gate = undefined;
  release();
  const done = await untilDone(svc, monitor, token);
  assert.equal(done.status, 200);
  assert.equal(done.body.TaskState, 'Completed');
  assert.equal(done.body.PercentComplete, 100);
  const ids = msgIds(done);
  for (const id of ['TaskEvent.TaskStarted', 'Update.TargetDetermined', 'Update.TransferringToComponent', 'Update.InstallingOnComponent',
    'TaskEvent.TaskProgressChanged', 'Update.AwaitToActivate', 'TaskEvent.TaskCompletedOK']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  assert.deepEqual(engine.installs.at(-1), { source: image, reboot: false });
  const task = await svc.req('GET', String(done.body['@odata.id']), { token });
  assert.equal(task.body.TaskState, 'Completed');
  const tasks = await svc.req('GET', '/redfish/v1/TaskService/Tasks', { token });
  assert.ok((tasks.body.Members as Array<{ '@odata.id': string }>).some((m) => m['@odata.id'] === done.body['@odata.id']));
  const b = await svc.req('GET', '/redfish/v1/UpdateService/FirmwareInventory/SlotB', { token });
  assert.equal(b.body.Version, '2.0.0');
});

test('SimpleUpdate of an image that is not there ends in Exception with TransferFailed and the reason', async () => {
  const { token } = await svc.login('admin');
  const r = await svc.req('POST', SIMPLE, { token, body: { ImageURI: '/nonexistent/image.bin', TransferProtocol: 'FILE' } });
  assert.equal(r.status, 202);
  const done = await untilDone(svc, String(r.headers.location), token);
  assert.equal(done.body.TaskState, 'Exception');
  assert.equal(done.body.TaskStatus, 'Critical');
  const failed = (done.body.Messages as Msg[]).find((m) => m.MessageId.endsWith('TransferFailed'))!;
  assert.ok(failed, msgIds(done).join(', '));
  assert.match(String(failed.Oem?.umec?.Reason), /ENOENT/);
});

test('SimpleUpdate bad input: unsupported protocol, scheme/protocol mismatch, relative path, missing ImageURI', async () => {
  const { token } = await svc.login('admin');
  const code = async (body: unknown) => {
    const r = await svc.req('POST', SIMPLE, { token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    return (r.body.error as { code: string }).code.split('.').pop();
  };
  assert.equal(await code({ ImageURI: 'tftp://10.0.0.1/x.bin', TransferProtocol: 'TFTP' }), 'ActionParameterValueNotInList');
  assert.equal(await code({ ImageURI: 'ftp://10.0.0.1/x.bin' }), 'ActionParameterNotSupported');
  assert.equal(await code({ ImageURI: 'https://10.0.0.1/x.bin', TransferProtocol: 'HTTP' }), 'ActionParameterValueFormatError');
  assert.equal(await code({ ImageURI: 'images/x.bin' }), 'ActionParameterValueFormatError');
  assert.equal(await code({ TransferProtocol: 'HTTP' }), 'ActionParameterMissing');
  assert.equal(await code({ ImageURI: 7 }), 'ActionParameterValueTypeError');
});

test('DELETE on the task monitor cancels a running update', async () => {
  const image = join(scratch.dir, 'image-3.bin');
  await writeFile(image, Buffer.concat([Buffer.from('3.0.0\n'), Buffer.alloc(256 * 1024)]));
  let release!: () => void;
  engine.gate = new Promise((r) => { release = r; });
  const { token } = await svc.login('admin');
  const r = await svc.req('POST', SIMPLE, { token, body: { ImageURI: image } });
  const monitor = String(r.headers.location);
  assert.equal((await svc.req('DELETE', monitor, { auth: 'reader' })).status, 403);
  assert.equal((await svc.req('DELETE', monitor, { token })).status, 202);
  engine.gate = undefined;
  release();
  const done = await untilDone(svc, monitor, token);
  assert.equal(done.body.TaskState, 'Cancelled');
  assert.ok(msgIds(done).includes('TaskEvent.TaskCancelled'));
});

test('SimpleUpdate through the real A/B engine: a signed bundle is written to the file slot B, then the box reboots', async () => {
  const box = await tempDir('umec-redfish-box-');
  const b = await makeBox(box.dir);
  const real = await startTestService({ firmware: engineFor(b), power: b.power });
  try {
    const image = Buffer.alloc(96 * 1024, 0x5a);
    const bundle = await makeBundle(b, image, { version: '2.1.0' });
    const { token } = await real.login('operator');
    const inv = await real.req('GET', '/redfish/v1/UpdateService/FirmwareInventory/SlotA', { token });
    assert.equal(inv.body.Updateable, false);
    // an unsigned bundle is refused first: VerificationFailed, slot A untouched
    const bad = await makeBundle(b, Buffer.alloc(1024, 1), { version: '9.9.9', name: 'unsigned', sign: false });
    const r2 = await real.req('POST', SIMPLE, { token, body: { ImageURI: `file://${bad}` } });
    const failed = await untilDone(real, String(r2.headers.location), token);
    assert.equal(failed.body.TaskState, 'Exception');
    assert.ok(msgIds(failed).includes('Update.VerificationFailed'), msgIds(failed).join(', '));
    assert.ok((await slotBytes(b, 'A')).equals(b.oldImage));
    const r = await real.req('POST', SIMPLE, { token, body: { ImageURI: bundle } });
    assert.equal(r.status, 202, r.text);
    const done = await untilDone(real, String(r.headers.location), token);
    assert.equal(done.body.TaskState, 'Completed', JSON.stringify(done.body.Messages));
    assert.ok(msgIds(done).includes('Update.VerifyingAtComponent'));
    assert.ok(msgIds(done).includes('Update.UpdateSuccessful'));
    assert.ok((await slotBytes(b, 'B')).subarray(0, image.length).equals(image), 'slot B holds the image');
    const slotB = await real.req('GET', '/redfish/v1/UpdateService/FirmwareInventory/SlotB', { token });
    assert.equal(slotB.body.Version, '2.1.0');
    // Immediate: the reboot follows after a short delay, through the same power driver as Reset
    await waitFor(() => b.power.calls.length > 0, 'reboot into slot B', 15_000);
    assert.equal(b.power.calls[0].kind, 'GracefulRestart');
    assert.match(await readFile(b.powerLog, 'utf8'), /GracefulRestart/);
    // until the new slot has booted and committed, another update is refused up front
    const busy = await real.req('POST', SIMPLE, { token, body: { ImageURI: bundle } });
    assert.equal(busy.status, 409);
  } finally {
    await real.close();
    await box.cleanup();
  }
});
