import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { MasterClient } from '../../cli/master-client.js';
import { errorKind, exitCodeOf, UmecError, type ErrorCode } from '../../lib/errors.js';
import { readJsonLines, writeJsonLine } from '../../lib/jsonl.js';
import { tempDir } from '../helpers/context.js';
import { umecAsync as umec } from '../helpers/procs.js';


/** A stand-in master control socket (a real unix socket) that answers every request with the error the test sets. */
async function fakeMaster(dir: string): Promise<{ config: string; answer: { code: string; message: string }; server: Server }> {
  const config = join(dir, 'master.yaml');
  await writeFile(config, `data_dir: ${dir}\n`);
  const state = { code: 'USAGE', message: '' };
  const server = createServer((sock) => readJsonLines(sock, () => { writeJsonLine(sock, { type: 'error', ...state }); sock.end(); }, () => sock.end()));
  await new Promise<void>((r) => server.listen(join(dir, 'master.sock'), r));
  return { config, answer: state, server };
}

// an error of each kind the master may send: the client keeps its code, so its kind and exit code
const CASES: Array<{ code: string; message: string; want: ErrorCode; shown?: string }> = [
  { code: 'USAGE', message: 'id must be an agent id', want: 'USAGE' },
  { code: 'APP_NOT_FOUND', message: 'app cam 9 is not on-boarded on the master', want: 'APP_NOT_FOUND' },
  { code: 'APP_EXISTS', message: 'app cam version 1 is already on-boarded with different content', want: 'APP_EXISTS' },
  { code: 'CONTAINER_RUNTIME', message: 'container runtime at /run/x.sock: refused', want: 'CONTAINER_RUNTIME' },
  { code: 'FW_DOWNLOAD', message: 'cannot download http://x: 503', want: 'FW_DOWNLOAD' },
  { code: 'INTERNAL', message: 'internal error: boom', want: 'INTERNAL' },
  { code: 'NO_SUCH_CODE', message: 'from a newer master', want: 'INTERNAL', shown: 'internal error: from a newer master' },
];

test('an error from the master keeps its code in the client and the CLI exits with its kind', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-master-errors-');
  const m = await fakeMaster(dir);
  try {
    const client = await MasterClient.fromConfig(m.config);
    for (const c of CASES) {
      Object.assign(m.answer, { code: c.code, message: c.message });
      await assert.rejects(client.call('key.list', {}), (e: unknown) => {
        assert.ok(e instanceof UmecError, c.code);
        assert.equal(e.code, c.want, c.code);
        assert.equal(e.message, c.shown ?? c.message, 'the message as the master sent it');
        return true;
      });
      await assert.rejects(client.stream('events', {}, () => undefined), (e: unknown) => e instanceof UmecError && e.code === c.want, `${c.code} (stream)`);
    }
    assert.ok(new Set(CASES.map((c) => errorKind(c.want))).size >= 4, 'several kinds are covered');

    // through the one error handler of the base command: a unary command, a streamed job command
    for (const [args, c] of [[['key', 'list'], CASES[4]], [['ping', '*'], CASES[1]], [['key', 'list'], CASES[0]]] as const) {
      Object.assign(m.answer, { code: c.code, message: c.message });
      const r = await umec([...args, '--config', m.config, '--json']);
      assert.equal(r.code, exitCodeOf(c.want), `${args.join(' ')} ${c.code}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), { local: { errors: [{ code: c.want, message: c.message }] } });
      assert.match(r.stderr, new RegExp(`Error: .*\\[${c.want}\\]`));
    }
  } finally {
    m.server.close();
    await cleanup();
  }
});
