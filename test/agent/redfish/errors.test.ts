import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from '../../helpers/redfish.js';

let svc: TestService;
before(async () => { svc = await startTestService(); });
after(async () => { await svc.close(); });

type Info = Array<{ MessageId: string; MessageArgs: string[]; RelatedProperties?: string[] }>;
const info = (r: { body: Record<string, unknown> }) => (r.body.error as { '@Message.ExtendedInfo': Info })['@Message.ExtendedInfo'];
const ids = (r: { body: Record<string, unknown> }) => info(r).map((m) => m.MessageId.replace('Base.1.22.1.', ''));
const SYS = '/redfish/v1/Systems/box1';
const RESET = `${SYS}/Actions/ComputerSystem.Reset`;

test('malformed JSON, a non-object body and an empty PATCH are 400 with the Base message for each', async () => {
  const bad = await svc.req('PATCH', SYS, { auth: 'admin', raw: '{"AssetTag": ' });
  assert.equal(bad.status, 400);
  assert.deepEqual(ids(bad), ['MalformedJSON']);
  const arr = await svc.req('PATCH', SYS, { auth: 'admin', raw: '["AssetTag"]' });
  assert.equal(arr.status, 400);
  assert.deepEqual(ids(arr), ['MalformedJSON']);
  const empty = await svc.req('PATCH', SYS, { auth: 'admin', body: {} });
  assert.equal(empty.status, 400);
  assert.deepEqual(ids(empty), ['EmptyJSON']);
});

test('unknown and read-only properties, wrong types and values outside the list each get their own message', async () => {
  const r = await svc.req('PATCH', SYS, { auth: 'admin', body: { AssetTag: 42, Colour: 'blue', PowerState: 'Off', HostName: 'bad_name!' } });
  assert.equal(r.status, 400);
  assert.equal((r.body.error as { code: string }).code, 'Base.1.22.1.GeneralError');
  const got = info(r).map((m) => `${m.MessageId.split('.').pop()}:${m.MessageArgs.join('|')}`).sort();
  assert.deepEqual(got, ['PropertyNotWritable:PowerState', 'PropertyUnknown:Colour', 'PropertyValueFormatError:bad_name!|HostName', 'PropertyValueTypeError:42|AssetTag']);
  assert.deepEqual(info(r).find((m) => m.MessageId.endsWith('PropertyUnknown'))!.RelatedProperties, ['#/Colour']);
  // nothing was applied
  assert.deepEqual(svc.hostname.set_, []);
  assert.equal((await svc.req('GET', SYS, { auth: 'admin' })).body.AssetTag, null);
});

test('action parameters: missing, unknown, wrong type and not in the allowable values', async () => {
  const missing = await svc.req('POST', RESET, { auth: 'admin', body: {} });
  assert.equal(missing.status, 400);
  assert.deepEqual(info(missing).map((m) => [m.MessageId.split('.').pop(), m.MessageArgs]), [['ActionParameterMissing', ['ComputerSystem.Reset', 'ResetType']]]);
  const unknown = await svc.req('POST', RESET, { auth: 'admin', body: { ResetType: 'On', Force: true } });
  assert.deepEqual(ids(unknown), ['ActionParameterUnknown']);
  const type = await svc.req('POST', RESET, { auth: 'admin', body: { ResetType: 3 } });
  assert.deepEqual(ids(type), ['ActionParameterValueTypeError']);
  const list = await svc.req('POST', RESET, { auth: 'admin', body: { ResetType: 'Nmi' } });
  assert.equal((list.body.error as { code: string }).code, 'Base.1.22.1.ActionParameterValueNotInList');
  assert.deepEqual(svc.power.resets, []);
});

test('a huge body is refused with 413 PayloadTooLarge before it is parsed', async () => {
  const huge = JSON.stringify({ AssetTag: 'x'.repeat(200_000) });
  const r = await svc.req('PATCH', SYS, { auth: 'admin', raw: huge });
  assert.equal(r.status, 413);
  assert.deepEqual(ids(r), ['PayloadTooLarge']);
  const long = await svc.req('PATCH', SYS, { auth: 'admin', body: { AssetTag: 'x'.repeat(65) } });
  assert.equal(long.status, 400);
});

test('a method the resource does not support is 405 with Allow; an unknown resource is 404', async () => {
  const del = await svc.req('DELETE', SYS, { auth: 'admin' });
  assert.equal(del.status, 405);
  assert.equal(del.headers.allow, 'GET, HEAD, PATCH');
  assert.deepEqual(ids(del), ['OperationNotAllowed']);
  const put = await svc.req('PUT', '/redfish/v1/Chassis/box1', { auth: 'admin', body: {} });
  assert.equal(put.status, 405);
  assert.equal(put.headers.allow, 'GET, HEAD');
  const meta = await svc.req('POST', '/redfish/v1/$metadata', { auth: 'admin', body: {} });
  assert.equal(meta.status, 405);
  assert.equal(meta.headers.allow, 'GET, HEAD');
  const get = await svc.req('GET', RESET, { auth: 'admin' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  for (const path of ['/redfish/v1/Systems/other', '/redfish/v1/Chassis/box1/Sensors/nope', '/redfish/v1/Nothing/here', '/redfish/v1/TaskService/Tasks/999']) {
    const r = await svc.req('GET', path, { auth: 'admin' });
    assert.equal(r.status, 404, path);
    assert.match(ids(r)[0], /ResourceNotFound|ResourceMissingAtURI/);
  }
});

test('ETag on GET; If-None-Match gives 304; PATCH with a stale If-Match is 412 and changes nothing', async () => {
  const a = await svc.req('GET', SYS, { auth: 'admin' });
  const etag = String(a.headers.etag);
  assert.match(etag, /^W\/"[\w-]+"$/);
  const same = await svc.req('GET', SYS, { auth: 'admin', headers: { 'if-none-match': etag } });
  assert.equal(same.status, 304);
  const ok = await svc.req('PATCH', SYS, { auth: 'admin', headers: { 'if-match': etag }, body: { AssetTag: 'first' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.AssetTag, 'first');
  assert.notEqual(ok.headers.etag, etag);
  const stale = await svc.req('PATCH', SYS, { auth: 'admin', headers: { 'if-match': etag }, body: { AssetTag: 'second' } });
  assert.equal(stale.status, 412);
  assert.deepEqual(ids(stale), ['PreconditionFailed']);
  assert.equal((await svc.req('GET', SYS, { auth: 'admin' })).body.AssetTag, 'first');
  const fresh = await svc.req('PATCH', SYS, { auth: 'admin', headers: { 'if-match': String(ok.headers.etag) }, body: { AssetTag: null } });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body.AssetTag, null);
});

test('$-query parameters are 501 QueryParameterUnsupported (ServiceRoot says none are supported); others are ignored', async () => {
  const r = await svc.req('GET', '/redfish/v1/Systems?$expand=*', { auth: 'admin' });
  assert.equal(r.status, 501);
  assert.deepEqual(ids(r), ['QueryParameterUnsupported']);
  assert.equal((await svc.req('GET', '/redfish/v1/Systems?foo=1', { auth: 'admin' })).status, 200);
});

test('without a firmware engine, UpdateService says it is disabled and SimpleUpdate is 503', async () => {
  const us = await svc.req('GET', '/redfish/v1/UpdateService', { auth: 'admin' });
  assert.equal(us.body.ServiceEnabled, false);
  assert.equal((await svc.req('GET', '/redfish/v1/UpdateService/FirmwareInventory', { auth: 'admin' })).body['Members@odata.count'], 0);
  const r = await svc.req('POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', { auth: 'admin', body: { ImageURI: '/tmp/x.bin' } });
  assert.equal(r.status, 503);
  assert.deepEqual(ids(r), ['ServiceDisabled']);
});
