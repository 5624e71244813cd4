import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAgentConfig } from '../../../agent/config.js';
import { tempDir } from '../../helpers/context.js';

const head = "master: 127.0.0.1\nmaster_pubkey: 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7'\n";

describe('agent.yaml mp1 block', () => {
  it('fills defaults and leaves Mp1 off when absent', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(join(dir, 'a.yaml'), head);
      assert.equal((await loadAgentConfig(join(dir, 'a.yaml'))).mp1, undefined);
      await writeFile(join(dir, 'b.yaml'), `${head}mp1: {}\n`);
      const c = (await loadAgentConfig(join(dir, 'b.yaml'))).mp1!;
      assert.equal(c.port, 8081);
      assert.equal(c.bind, '127.0.0.1');
      assert.equal(c.token_ttl, 300);
      assert.deepEqual(c.notify, { max_attempts: 6, backoff_ms: 500, timeout_ms: 5000, allow: [] });
      assert.deepEqual(c.rule_changes, { '*': ['state'] });
      assert.equal(c.traffic.apply, true);
    } finally { await cleanup(); }
  });

  it('names the file, line and field of a bad value', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      for (const [body, want] of [
        ['mp1:\n  port: 99999\n', /b\.yaml:4.*mp1\.port/],
        ['mp1:\n  token_ttl: 1\n', /b\.yaml:4.*mp1\.token_ttl/],
        ['mp1:\n  tls: {cert: /x.pem}\n', /mp1\.tls\.key.*required/],
        ['mp1:\n  portt: 1\n', /mp1\.portt.*unknown key/],
      ] as const) {
        await writeFile(join(dir, 'b.yaml'), `${head}${body}`);
        await assert.rejects(loadAgentConfig(join(dir, 'b.yaml')), (e: Error) => { assert.match(e.message, want); return true; });
      }
    } finally { await cleanup(); }
  });
});
