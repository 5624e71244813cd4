import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Base, TaskEvent, Update } from '../../../agent/redfish/registry.js';
import { REDFISH_SPECS, redfishSchemas } from '../../helpers/redfish.js';

const mockup = (rel: string) => JSON.parse(readFileSync(join(REDFISH_SPECS, 'mockups/public-rackmount1', rel, 'index.json'), 'utf8')) as Record<string, unknown>;

test('the schema checker accepts DMTF mockups of current schema versions and rejects broken copies of them', () => {
  const v = redfishSchemas();
  for (const rel of ['Chassis/1U/Sensors/CPU1Temp', 'UpdateService/FirmwareInventory/BMC', 'Managers/BMC/NetworkProtocol', 'AccountService/Accounts/1', 'SessionService']) {
    v.validate(mockup(rel), rel);
  }
  const sensor = mockup('Chassis/1U/Sensors/CPU1Temp');
  assert.throws(() => v.validate({ ...sensor, Reading: 'hot' }, 'Reading as a string'), /"instancePath": "\/Reading"/);
  assert.throws(() => v.validate({ ...sensor, ReadingType: 'Warmth' }, 'unknown ReadingType'), /"instancePath": "\/ReadingType"/);
  assert.throws(() => v.validate({ ...sensor, Invented: 1 }, 'unknown property'), /"additionalProperty": "Invented"/);
  const system = mockup('Systems/437XR1138R2');
  delete system.Links; // the mockup's Links predate the current schema
  assert.throws(() => v.validate({ ...system, PowerState: 'Sleepy' }, 'bad PowerState'), /"instancePath": "\/PowerState"/);
  // a link must be a bare idRef: an inline object with other properties is refused
  assert.throws(() => v.validate({ ...mockup('Systems'), Members: [{ '@odata.id': '/x', Name: 'inline' }] }, 'expanded member'), /"instancePath": "\/Members\/0"/);
  assert.throws(() => v.validate({ error: { code: 'x' } }, 'error without message'), /message/);
  assert.throws(() => v.validate({ '@odata.type': 'nonsense' }), /not a Redfish @odata.type/);
});

test('the messages the service sends are the registries\' own text, severity and argument count', () => {
  for (const [reg, file] of [[Base, 'Base.1.22.1.json'], [TaskEvent, 'TaskEvent.1.0.5.json'], [Update, 'Update.1.3.0.json']] as const) {
    const r = JSON.parse(readFileSync(join(REDFISH_SPECS, 'registries', file), 'utf8')) as { Id: string; Messages: Record<string, { Message: string; MessageSeverity?: string; Severity?: string; NumberOfArgs: number; Resolution: string }> };
    assert.equal(reg.prefix, r.Id);
    for (const [id, m] of Object.entries(reg.messages)) {
      const want = r.Messages[id];
      assert.ok(want, `${r.Id} has ${id}`);
      assert.equal(m.message, want.Message, id);
      assert.equal(m.severity, want.MessageSeverity ?? want.Severity, id);
      assert.equal(m.args, want.NumberOfArgs, id);
      assert.equal(m.resolution, want.Resolution, id);
    }
  }
});
