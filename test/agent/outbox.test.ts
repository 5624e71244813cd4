import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Outbox, type DamagedRecord } from '../../agent/outbox.js';
import { tempDir } from '../helpers/context.js';

test('outbox: a damaged record (empty, truncated, garbage, not a return, a directory) is moved to damaged/ and named; the others are delivered', async () => {
  const { dir, cleanup } = await tempDir('umec-outbox-');
  try {
    const told: DamagedRecord[] = [];
    const box = new Outbox(dir, (d) => told.push(d));
    const good = { jid: '20261207000000000001', fun: 'ping' as const, ret: true, retcode: 0, success: true };
    await box.put(good);
    const full = JSON.stringify({ ...good, jid: '20261207000000000002' });
    const bad: Record<string, string | null> = {
      '20261207000000000002.json': full.slice(0, full.length - 5), // truncated
      '20261207000000000003.json': '', // empty
      '20261207000000000004.json': '\u0000\u0001garbage', // garbage
      '20261207000000000005.json': '{"jid":"20261207000000000005","hello":1}', // JSON, not a return
      '20261207000000000006.json': null, // a directory where a file should be
    };
    for (const [n, text] of Object.entries(bad)) {
      if (text === null) mkdirSync(join(dir, n));
      else writeFileSync(join(dir, n), text);
    }
    assert.deepEqual(await box.pending(), [good]);
    assert.deepEqual(told.map((d) => d.file).sort(), Object.keys(bad).map((n) => join(dir, n)).sort());
    for (const d of told) {
      assert.ok(existsSync(d.movedTo), d.movedTo);
      assert.ok(d.movedTo.startsWith(join(dir, 'damaged')));
    }
    assert.match(told.find((d) => d.file.endsWith('6.json'))!.reason, /a directory, not a file/);
    assert.match(told.find((d) => d.file.endsWith('5.json'))!.reason, /^not a return: /);
    assert.deepEqual(readdirSync(dir).sort(), ['20261207000000000001.json', 'damaged']);
    // a second look finds nothing more to move
    told.length = 0;
    assert.deepEqual(await box.pending(), [good]);
    assert.deepEqual(told, []);
  } finally { await cleanup(); }
});
