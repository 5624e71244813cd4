import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair } from 'zeromq';
import { fingerprint } from '../../lib/z85.js';
import { tempDir } from '../helpers/context.js';
import { ProcFleet } from '../helpers/fault.js';
import { until } from '../helpers/procs.js';

// Issue 27: a master key that is not the agent's master_pubkey is said on both sides, rate-limited.

test('a master whose key is not the agent\'s master_pubkey: the agent logs both fingerprints, the master logs the refused handshakes', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-deaf-');
  const f = await ProcFleet.create(dir);
  try {
    const master = await f.startMaster();
    const other = curveKeyPair().publicKey;
    await mkdir(join(dir, 'd3'), { recursive: true });
    const agent = await f.startAgent('d3', '', other);
    await until('the agent logging the key mismatch', () => /broke off the CURVE handshake/.test(agent.err()) || undefined);
    const line = agent.err().split('\n').find((l) => l.includes('broke off the CURVE handshake'))!;
    assert.ok(line.includes(fingerprint(other)), line);
    const agentPub = readFileSync(join(dir, 'd3', 'pki', 'agent.pub'), 'utf8').trim();
    assert.ok(line.includes(fingerprint(agentPub)), line);
    await until('the master logging refused handshakes', () => /CURVE handshake\(s\) refused on the request socket/.test(master.err()) || undefined);
    // rate-limited: the agent retries every second at most, the master reports once a minute
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(master.err().split('\n').filter((l) => l.includes('CURVE handshake(s) refused')).length, 1);
    assert.equal(agent.err().split('\n').filter((l) => l.includes('broke off the CURVE handshake')).length, 1);
    assert.ok(!f.keys().pending.includes('d3'));
  } finally {
    f.close();
    await cleanup();
  }
});
