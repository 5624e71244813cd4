/**
 * What DMTF's Redfish-Protocol-Validator checks of the protocol (DSP0266), over real HTTPS:
 * the describedby Link header, $metadata and the OData document without credentials,
 * OData-Version, methods Redfish does not define, annotation-only PATCH, POST to Members.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from '../../helpers/redfish.js';

let svc: TestService;
before(async () => { svc = await startTestService(); });
after(async () => { await svc.close(); });

type Info = Array<{ MessageId: string }>;
const ids = (r: { body: Record<string, unknown> }) =>
  ((r.body.error as { '@Message.ExtendedInfo': Info })['@Message.ExtendedInfo']).map((m) => m.MessageId.replace('Base.1.22.1.', ''));
const SYS = '/redfish/v1/Systems/box1';

test('GET and HEAD answers carry Link rel=describedby; $metadata and /redfish/v1/odata need no credentials', async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await svc.req(method, SYS, { auth: 'reader' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.link, '</redfish/v1/$metadata>; rel=describedby', method);
  }
  const meta = await svc.req('GET', '/redfish/v1/$metadata');
  assert.equal(meta.status, 200);
  assert.match(meta.text, /<edmx:Edmx/);
  const odata = await svc.req('GET', '/redfish/v1/odata');
  assert.equal(odata.status, 200);
  assert.ok(Array.isArray(odata.body.value));
  // the resources themselves still need credentials
  assert.equal((await svc.req('GET', SYS)).status, 401);
});

test('a request for an OData version other than 4.0 is 412; 4.0 is served', async () => {
  const bad = await svc.req('GET', SYS, { auth: 'reader', headers: { 'OData-Version': '4.01' } });
  assert.equal(bad.status, 412);
  assert.deepEqual(ids(bad), ['HeaderInvalid']);
  assert.equal((await svc.req('GET', SYS, { auth: 'reader', headers: { 'OData-Version': '4.0' } })).status, 200);
});

test('methods Redfish does not define get 405 with a Redfish error body, known to node or not', async () => {
  const purge = await svc.req('PURGE', SYS, { auth: 'admin' });
  assert.equal(purge.status, 405);
  assert.deepEqual(ids(purge), ['OperationNotAllowed']);
  // a method node's HTTP parser does not know never reaches the router: answered all the same
  const ca = await readFile(join(svc.dir, 'redfish', 'tls', 'cert.pem'), 'utf8');
  const u = new URL(svc.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ca, servername: 'localhost' }, () => {
      s.write(`FROBNICATE ${SYS} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    });
    let text = '';
    s.on('data', (c: Buffer) => { text += c.toString('utf8'); });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 405 /);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  assert.deepEqual(ids({ body }), ['OperationNotAllowed']);
});

test('a PATCH with only @odata annotations changes nothing and says NoOperation', async () => {
  const before_ = await svc.req('GET', SYS, { auth: 'admin' });
  const r = await svc.req('PATCH', SYS, { auth: 'admin', body: { '@odata.etag': String(before_.headers.etag) } });
  assert.equal(r.status, 400);
  assert.deepEqual(ids(r), ['NoOperation']);
  assert.equal((await svc.req('GET', SYS, { auth: 'admin' })).headers.etag, before_.headers.etag);
});

test('POST to a collection\'s Members URI creates like POST to the collection (a session login)', async () => {
  const r = await svc.req('POST', '/redfish/v1/SessionService/Sessions/Members', { body: { UserName: 'reader', Password: 'reader-pass-1' } });
  assert.equal(r.status, 201);
  const token = String(r.headers['x-auth-token']);
  assert.equal((await svc.req('GET', SYS, { token })).status, 200);
  assert.match(String(r.headers.location), /^\/redfish\/v1\/SessionService\/Sessions\/[^/]+$/);
});

test('the system reports Status.Conditions, not the deprecated summary Status', async () => {
  const r = await svc.req('GET', SYS, { auth: 'reader' });
  assert.deepEqual((r.body.Status as { Conditions: unknown[] }).Conditions, []);
  assert.equal((r.body.ProcessorSummary as Record<string, unknown>).Status, undefined);
  assert.equal((r.body.MemorySummary as Record<string, unknown>).Status, undefined);
});
