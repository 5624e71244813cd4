import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { FirmwareEngineDouble } from '../../doubles/firmware-engine.js';
import { startTestService, type TestService } from '../../helpers/redfish.js';

let svc: TestService;
before(async () => { svc = await startTestService({ firmware: new FirmwareEngineDouble() }); });
after(async () => { await svc.close(); });

/** Every @odata.id in a body (links and members), deduplicated, without fragments. */
function links(body: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(body)) body.forEach((b) => links(b, out));
  else if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (k === '@odata.id' && typeof v === 'string') out.add(v.split('#')[0]);
      else if ((k === '@Redfish.ActionInfo' || k === 'DataSourceUri') && typeof v === 'string') out.add(v);
      else links(v, out);
    }
  }
  return out;
}

test('a crawl from the service root reaches every resource, each valid against the DMTF schema of its @odata.type', async () => {
  const { token } = await svc.login('admin');
  const seen = new Map<string, string>();
  const queue = ['/redfish/v1/'];
  while (queue.length) {
    const uri = queue.shift()!;
    if (seen.has(uri)) continue;
    const r = await svc.req('GET', uri, { token });
    if (r.status === 404) {
      // live members (network interfaces of containers) may go away between the listing and the fetch;
      // then the fresh listing no longer has them
      const parent = await svc.req('GET', uri.slice(0, uri.lastIndexOf('/')), { token });
      assert.ok(!(parent.body.Members as Array<{ '@odata.id': string }>).some((m) => m['@odata.id'] === uri), `${uri}: 404 but still listed`);
      seen.set(uri, 'gone');
      continue;
    }
    assert.equal(r.status, 200, `${uri}: ${r.text}`);
    assert.equal(r.body['@odata.id'], uri, `${uri} names itself`);
    assert.ok(r.body.Name, `${uri} has a Name`);
    // collections have no Id (DSP0266); every other resource does
    if (!String(r.body['@odata.type']).endsWith('Collection')) assert.ok(r.body.Id, `${uri} has an Id`);
    assert.match(String(r.body['@odata.type']), /^#\w+(\.v\d+_\d+_\d+)?\.\w+$/);
    assert.ok(r.headers.etag, `${uri} has an ETag`);
    seen.set(uri, String(r.body['@odata.type']));
    for (const l of links(r.body)) if (!seen.has(l)) queue.push(l);
  }
  const types = new Set([...seen.values()].filter((t) => t !== 'gone'));
  for (const t of ['ServiceRoot', 'ComputerSystem', 'Chassis', 'Sensor', 'EnvironmentMetrics', 'Manager', 'ManagerNetworkProtocol',
    'UpdateService', 'SoftwareInventory', 'TaskService', 'SessionService', 'Session', 'AccountService', 'ManagerAccount', 'Role', 'ActionInfo']) {
    assert.ok([...types].some((x) => x.startsWith(`#${t}.v`)), `crawl reached a ${t}`);
  }
  assert.ok(seen.size >= 30, `crawled ${seen.size} resources`);

  // $metadata declares every namespace the crawl met
  const meta = await svc.req('GET', '/redfish/v1/$metadata', { token });
  assert.equal(meta.status, 200);
  assert.match(String(meta.headers['content-type']), /application\/xml/);
  for (const t of types) {
    const parts = t.slice(1).split('.');
    for (const ns of parts.length === 3 ? [parts[0], `${parts[0]}.${parts[1]}`] : [parts[0]]) {
      assert.ok(meta.text.includes(`<edmx:Include Namespace="${ns}"/>`), `$metadata includes ${ns}`);
    }
  }
});

test('/redfish and the odata service document have the shapes DSP0266 gives them', async () => {
  const v = await svc.req('GET', '/redfish');
  assert.equal(v.status, 200);
  assert.deepEqual(v.body, { v1: '/redfish/v1/' });
  const { token } = await svc.login('reader');
  const o = await svc.req('GET', '/redfish/v1/odata', { token });
  assert.equal(o.status, 200);
  // DSP0266 "OData service document": context plus one entry per top-level resource
  const validate = new Ajv().compile({
    type: 'object', required: ['@odata.context', 'value'], additionalProperties: false,
    properties: {
      '@odata.context': { const: '/redfish/v1/$metadata' },
      value: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'kind', 'url'], additionalProperties: false,
        properties: { name: { type: 'string' }, kind: { const: 'Singleton' }, url: { type: 'string', pattern: '^/redfish/v1/' } } } },
    },
  });
  assert.ok(validate(o.body), JSON.stringify(validate.errors));
  for (const e of o.body.value as Array<{ url: string }>) {
    const r = await svc.req('GET', e.url, { token });
    assert.equal(r.status, 200, e.url);
  }
});

test('ServiceRoot links the services and Sessions; the trailing slash is optional', async () => {
  const r = await svc.req('GET', '/redfish/v1');
  assert.equal(r.status, 200);
  for (const k of ['Systems', 'Chassis', 'Managers', 'UpdateService', 'Tasks', 'SessionService', 'AccountService']) {
    assert.ok((r.body[k] as { '@odata.id': string })['@odata.id'].startsWith('/redfish/v1/'), k);
  }
  assert.deepEqual(r.body.Links, { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } });
  assert.equal(r.headers['odata-version'], '4.0');
});
