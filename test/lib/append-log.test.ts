import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog, completeLines } from '../../lib/append-log.js';
import { tempDir } from '../helpers/context.js';

test('append-log: concurrent appends share a few fdatasyncs (group commit), each resolves once on disk, in order', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'x.jsonl');
    const synced: string[] = [];
    const { log, lines } = await AppendLog.open(path, { onSync: (p) => synced.push(p) });
    assert.deepEqual(lines, []);
    assert.deepEqual(synced, [dir], 'a new log fsyncs its directory');
    synced.length = 0;
    const n = 2000;
    let onDiskWhenResolved = true;
    await Promise.all(Array.from({ length: n }, (_, i) => log.append(`${i}\n`).then(async () => {
      // the line is in the file by the time its append resolves
      if (i % 250 === 0 && !(await readFile(path, 'utf8')).includes(`\n${i}\n`) && i !== 0) onDiskWhenResolved = false;
    })));
    assert.ok(onDiskWhenResolved);
    assert.ok(synced.length >= 1 && synced.length <= 5, `${synced.length} fdatasyncs for ${n} appends`);
    assert.ok(synced.every((p) => p === path));
    await log.close();
    assert.equal(log.failed, true);
    const again = await AppendLog.open(path);
    assert.deepEqual(again.lines, Array.from({ length: n }, (_, i) => String(i)));
    await again.log.close();
  } finally { await cleanup(); }
});

test('append-log: a torn last line (crash mid-append) is not returned and is cut, so the next append starts a line', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'x.jsonl');
    await writeFile(path, '{"a":1}\n{"b":2}\n{"c":');
    const torn: Array<[string, number]> = [];
    const { log, lines, tornBytes } = await AppendLog.open(path, { onTorn: (p, n) => torn.push([p, n]) });
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
    assert.equal(tornBytes, 5, 'the repair is counted');
    assert.deepEqual(torn, [[path, 5]]);
    assert.equal(await readFile(path, 'utf8'), '{"a":1}\n{"b":2}\n', 'the torn tail is cut on open');
    await log.append('{"d":4}\n');
    await log.close();
    assert.deepEqual((await AppendLog.open(path).then(async (o) => { await o.log.close(); return o.lines; })), ['{"a":1}', '{"b":2}', '{"d":4}']);
    assert.deepEqual(completeLines(Buffer.from('no newline at all')), []);
    assert.deepEqual(completeLines(Buffer.from('a\n\nb\nc')), ['a', '', 'b']);
  } finally { await cleanup(); }
});

test('append-log: exclusive runs between commits, holds appends back, and can empty the log', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'x.jsonl');
    const { log } = await AppendLog.open(path);
    const first = log.append('1\n');
    let seen = '';
    const compact = log.exclusive(async (truncate) => {
      seen = await readFile(path, 'utf8');
      await truncate();
    });
    const later = log.append('2\n');
    await Promise.all([first, compact, later]);
    assert.equal(seen, '1\n', 'the append queued before ran before the task');
    assert.equal(await readFile(path, 'utf8'), '2\n', 'the append queued after the task went into the emptied log');
    await log.close();
  } finally { await cleanup(); }
});

test('append-log: close commits what was queued first; appends to a closed log are rejected, all of them; a fresh open goes on', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, 'x.jsonl');
    const { log } = await AppendLog.open(path);
    const queued = [log.append('ok\n'), log.append('ok2\n')];
    await log.close();
    await Promise.all(queued);
    assert.equal(log.failed, true);
    const late = await Promise.allSettled([log.append('late1\n'), log.append('late2\n')]);
    assert.deepEqual(late.map((r) => r.status === 'rejected' && String(r.reason)), [`Error: ${path} is closed`, `Error: ${path} is closed`]);
    const again = await AppendLog.open(path);
    await again.log.append('more\n');
    await again.log.close();
    assert.equal(await readFile(path, 'utf8'), 'ok\nok2\nmore\n');
  } finally { await cleanup(); }
});

test('append-log: a task that throws before its first await fails its caller only; no unhandled rejection, later appends go on', async () => {
  const { dir, cleanup } = await tempDir();
  const seen: unknown[] = [];
  const on = (r: unknown) => seen.push(r);
  process.on('unhandledRejection', on);
  try {
    const path = join(dir, 'x.jsonl');
    const { log } = await AppendLog.open(path);
    await log.append('a\n');
    // a compaction whose snapshot cannot even be built (JSON.stringify throwing RangeError) throws synchronously
    await assert.rejects(log.exclusive(() => { throw new RangeError('Maximum call stack size exceeded'); }), RangeError);
    await log.append('b\n');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(seen, []);
    await log.close();
    assert.equal(await readFile(path, 'utf8'), 'a\nb\n');
  } finally { process.off('unhandledRejection', on); await cleanup(); }
});
