import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERIFY_AND_LOAD } from '../../roster/remote-call.js';
import { tempDir } from '../helpers/context.js';

/**
 * The launcher checks the bundle's checksum and must run the very bytes it checked.
 * A FIFO under the bundle's name hands out the genuine module to the first reader
 * and another one to the second: a launcher that hashes, then re-reads the file to
 * import it, runs the second.
 */
test('the launcher imports the bytes it verified, not the file read again', async (t) => {
  const { dir, cleanup } = await tempDir('umec-launcher-');
  t.after(cleanup);
  const genuine = 'console.log("genuine");\n';
  const evil = 'console.log("swapped");\n';
  writeFileSync(join(dir, 'genuine.mjs'), genuine);
  writeFileSync(join(dir, 'evil.mjs'), evil);
  const fifo = join(dir, 'umec-thin-0000000000000000.mjs');
  execFileSync('mkfifo', [fifo]);
  const sum = createHash('sha256').update(genuine).digest('hex');
  const node = spawn(process.execPath, ['-e', VERIFY_AND_LOAD, fifo, 'serve', dir, sum, String(process.getuid?.() ?? 0)], { stdio: ['ignore', 'pipe', 'pipe'] });
  // each `>` opens the FIFO anew: the first reader gets the genuine module; once it has closed
  // the FIFO (so the two writes never run together into one read), a second reader gets the other
  const writer = spawn('sh', ['-c', 'cat "$1" > "$3"; while ls -l /proc/$4/fd 2>/dev/null | grep -qF "$3"; do sleep 0.01; done; cat "$2" > "$3"',
    'sh', join(dir, 'genuine.mjs'), join(dir, 'evil.mjs'), fifo, String(node.pid)], { stdio: 'ignore' });
  t.after(() => { if (writer.exitCode === null) writer.kill(); });
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    node.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    node.stderr.on('data', (d: Buffer) => { text += d.toString(); });
    // a launcher that never opens the FIFO again leaves the writer waiting: end it once node is done
    node.on('close', () => { writer.kill(); resolve(text); });
    node.on('error', reject);
  });
  assert.equal(out, 'genuine\n');
});

test('a bundle failing its checksum is reported as corrupt with the login uid, and not run', async (t) => {
  const { dir, cleanup } = await tempDir('umec-launcher-');
  t.after(cleanup);
  const file = join(dir, 'umec-thin-0000000000000000.mjs');
  writeFileSync(file, 'console.log("ran");\n');
  const r = spawnSync(process.execPath, ['-e', VERIFY_AND_LOAD, file, 'serve', dir, '0'.repeat(64), '1234'], { encoding: 'utf8' });
  assert.equal(r.stdout, 'umec1 {"t":"corrupt","uid":1234}\n');
  assert.equal(r.status, 5);
});
