import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UmecError } from '../../lib/errors.js';
import { appendFile, mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJobStore } from '../../master/jobcache/file-store.js';
import { jidAt, newJid, type JobRecord, type ReturnRecord } from '../../master/jobcache/store.js';

async function tempRoot(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'umec-jobcache-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function job(jid: string, targets = ['a', 'b']): JobRecord {
  return { jid, fun: 'state.apply', args: ['web'], target: { expr: '*', type: 'glob' }, targets, user: 'root', startedAt: new Date().toISOString() };
}

function ret(jid: string, id: string, extra: Partial<ReturnRecord> = {}): ReturnRecord {
  return { jid, id, fun: 'state.apply', ret: { ok: id }, retcode: 0, success: true, receivedAt: new Date().toISOString(), ...extra };
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

test('jidAt formats UTC time with microseconds', () => {
  assert.equal(jidAt(new Date('2024-05-06T07:08:09.123Z')), '20240506070809123000');
});

test('newJid is 20 digits near now and strictly increasing over 10,000 calls', () => {
  const before = jidAt(new Date(Date.now() - 1000));
  let prev = newJid();
  assert.match(prev, /^\d{20}$/);
  assert.ok(prev >= before);
  const fixed = new Date();
  for (let i = 0; i < 10_000; i++) {
    const next = i % 2 ? newJid(fixed) : newJid();
    assert.match(next, /^\d{20}$/);
    assert.ok(next > prev, `${next} > ${prev}`);
    prev = next;
  }
  assert.ok(prev < jidAt(new Date(Date.now() + 60_000)));
});

test('save, get and list round trip', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  const jid = newJid();
  const j = job(jid);
  await store.saveJob(j);
  assert.equal(await store.saveReturn(ret(jid, 'b')), true);
  assert.equal(await store.saveReturn(ret(jid, 'a', { retcode: 2, success: false })), true);
  const got = await store.getJob(jid);
  assert.deepEqual(got?.job, j);
  assert.deepEqual(got?.returns.map((r) => [r.id, r.retcode, r.success]), [['a', 2, false], ['b', 0, true]]);
  assert.deepEqual(await store.listJobs(), [{ ...j, returned: 2, expected: 2 }]);
  await store.close();
  await assert.rejects(store.saveJob(job(newJid())), /closed/);
});

test('listJobs is newest first, honours limit and since', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  const jids = ['2024-01-01', '2024-01-02', '2024-01-03'].map((d) => jidAt(new Date(`${d}T00:00:00Z`)));
  for (const jid of [jids[1], jids[0], jids[2]]) await store.saveJob(job(jid));
  assert.deepEqual((await store.listJobs()).map((s) => s.jid), [...jids].reverse());
  assert.deepEqual((await store.listJobs({ limit: 2 })).map((s) => s.jid), [jids[2], jids[1]]);
  assert.deepEqual(await store.listJobs({ limit: 0 }), []);
  assert.deepEqual((await store.listJobs({ since: '2024-01-02T00:00:00Z' })).map((s) => s.jid), [jids[2], jids[1]]);
  assert.deepEqual((await store.listJobs({ since: jids[2] })).map((s) => s.jid), [jids[2]]);
  await assert.rejects(store.listJobs({ since: 'yesterday-ish' }), /since/);
  await assert.rejects(store.listJobs({ limit: -1 }), /limit/);
});

test('a duplicate return is refused and the first one kept', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  const jid = newJid();
  await store.saveJob(job(jid));
  assert.equal(await store.saveReturn(ret(jid, 'a', { ret: 'first' })), true);
  assert.equal(await store.saveReturn(ret(jid, 'a', { ret: 'second' })), false);
  const racing = await Promise.all([store.saveReturn(ret(jid, 'b', { ret: 1 })), store.saveReturn(ret(jid, 'b', { ret: 2 }))]);
  assert.deepEqual(racing, [true, false]);
  const got = await store.getJob(jid);
  assert.deepEqual(got?.returns.map((r) => r.ret), ['first', 1]);
});

test('200 concurrent returns for different ids are all stored', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const store = new FileJobStore(dir);
  const jid = newJid();
  const ids = Array.from({ length: 200 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
  await store.saveJob(job(jid, ids));
  const results = await Promise.all(ids.map((id) => store.saveReturn(ret(jid, id))));
  assert.ok(results.every((r) => r === true));
  assert.deepEqual((await store.getJob(jid))?.returns.map((r) => r.id), ids);
  const [summary] = await store.listJobs();
  assert.equal(summary?.returned, 200);
  assert.equal(summary?.expected, 200);
  assert.deepEqual(await readdir(join(dir, jid)), ['job.json', 'returns.jsonl']);
});

test('a new store on the same directory sees everything (restart)', async (t) => {
  const dir = join(await tempRoot(t), 'data', 'jobs');
  const first = new FileJobStore(dir);
  const jid1 = newJid();
  const jid2 = newJid();
  await first.saveJob(job(jid1));
  await first.saveJob(job(jid2, ['a']));
  await first.saveReturn(ret(jid1, 'a'));
  await first.saveReturn(ret(jid2, 'a'));
  await first.close();
  const second = new FileJobStore(dir);
  assert.deepEqual((await second.listJobs()).map((s) => [s.jid, s.returned, s.expected]), [[jid2, 1, 1], [jid1, 1, 2]]);
  assert.deepEqual((await second.getJob(jid1))?.returns.map((r) => r.id), ['a']);
  assert.equal(await second.saveReturn(ret(jid1, 'a')), false);
  assert.equal(await second.saveReturn(ret(jid1, 'b')), true);
});

test('hostile ids and jids are rejected and nothing is written outside the store', async (t) => {
  const root = await tempRoot(t);
  const dir = join(root, 'jobs');
  const store = new FileJobStore(dir);
  const jid = newJid();
  await store.saveJob(job(jid));
  const before = await listTree(root);
  for (const id of ['../x', 'a/b', '', '.', '..', '../../etc/passwd', 'a\\b', 'a\0b', 'ü', 'x'.repeat(254)]) {
    await assert.rejects(store.saveReturn(ret(jid, id)), /invalid agent id/, JSON.stringify(id));
  }
  for (const bad of ['../x', '2024', `${jid}/..`, '', '2024010100000000000a']) {
    await assert.rejects(store.saveJob(job(bad)), /invalid jid/);
    await assert.rejects(store.saveReturn(ret(bad, 'a')), /invalid jid/);
  }
  assert.deepEqual(await listTree(root), before);
});

test('a 253-character id is stored and read back', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  const jid = newJid();
  const id = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
  assert.equal(id.length, 253);
  await store.saveJob(job(jid, [id]));
  assert.equal(await store.saveReturn(ret(jid, id)), true);
  assert.equal(await store.saveReturn(ret(jid, id)), false);
  assert.deepEqual((await store.getJob(jid))?.returns.map((r) => r.id), [id]);
});

test('unknown and malformed jids give undefined', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  await store.saveJob(job(newJid()));
  for (const jid of ['20990101000000000000', '../jobs', '..', '', '123', '2024010100000000000a', `${newJid()}/../x`]) {
    assert.equal(await store.getJob(jid), undefined, jid);
  }
});

test('corrupted job.json is skipped by listJobs and reported by getJob', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const store = new FileJobStore(dir);
  const [a, b, c] = [newJid(), newJid(), newJid()];
  for (const jid of [a, b, c]) await store.saveJob(job(jid));
  const file = join(dir, b, 'job.json');
  await writeFile(file, (await readFile(file, 'utf8')).slice(0, 20));
  assert.deepEqual((await store.listJobs()).map((s) => s.jid), [c, a]);
  assert.deepEqual((await store.listJobs({ limit: 2 })).map((s) => s.jid), [c, a]);
  await assert.rejects(store.getJob(b), (e: unknown) => e instanceof UmecError && e.code === 'STORE' && /corrupted job file/.test(e.message));
});

test('returns for a job not (yet) saved are kept; the job is listed once saved', async (t) => {
  const store = new FileJobStore(join(await tempRoot(t), 'jobs'));
  const jid = newJid();
  assert.equal(await store.saveReturn(ret(jid, 'a')), true);
  assert.equal(await store.getJob(jid), undefined);
  assert.deepEqual(await store.listJobs(), []);
  await store.saveJob(job(jid));
  assert.equal((await store.listJobs())[0]?.returned, 1);
});

test('5,000 concurrent returns for one job share a few fsyncs and survive a restart', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const synced: string[] = [];
  let hook: (() => void) | undefined;
  const store = new FileJobStore(dir, { onSync: (path) => { synced.push(path); hook?.(); } });
  const jid = newJid();
  const ids = Array.from({ length: 5000 }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
  await store.saveJob(job(jid, ids));
  synced.length = 0;
  const results = await Promise.all(ids.map((id) => store.saveReturn(ret(jid, id))));
  assert.ok(results.every((r) => r === true));
  t.diagnostic(`fsyncs for 5000 returns: ${synced.length} (${synced.map((p) => p.slice(dir.length)).join(', ')})`);
  assert.ok(synced.length >= 1 && synced.length <= 10, `${synced.length} fsyncs`);
  const logSyncs = synced.filter((p) => p.endsWith('returns.jsonl')).length;
  assert.ok(logSyncs >= 1 && logSyncs <= 5, `${logSyncs} log fsyncs`);
  // Returns that arrive while a commit is in flight (started from inside the sync hook, i.e. right
  // before the fdatasync) are all written by the next single commit; duplicates among them are refused.
  synced.length = 0;
  const more = Array.from({ length: 500 }, (_, i) => `late-${i}`);
  let wave: Promise<boolean[]> | undefined;
  hook = () => {
    hook = undefined;
    wave = Promise.all([...more.map((id) => store.saveReturn(ret(jid, id))), ...ids.slice(0, 5).map((id) => store.saveReturn(ret(jid, id)))]);
  };
  assert.equal(await store.saveReturn(ret(jid, 'trigger')), true);
  assert.ok(wave);
  assert.deepEqual(await wave, [...more.map(() => true), false, false, false, false, false]);
  assert.deepEqual(synced.map((p) => p.slice(dir.length)), [`/${jid}/returns.jsonl`, `/${jid}/returns.jsonl`]);
  await store.close();

  const lines = (await readFile(join(dir, jid, 'returns.jsonl'), 'utf8')).split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 5501);
  const again = new FileJobStore(dir);
  const got = await again.getJob(jid);
  assert.deepEqual(got?.returns.map((r) => r.id), [...ids, ...more, 'trigger'].sort());
  assert.deepEqual((await again.listJobs()).map((s) => [s.returned, s.expected]), [[5501, 5000]]);
  const dups = await Promise.all([ids[0], ids[4999], more[7]].map((id) => again.saveReturn(ret(jid, id, { ret: 'dup' }))));
  assert.deepEqual(dups, [false, false, false]);
  assert.equal(await again.saveReturn(ret(jid, 'newcomer')), true);
  assert.equal((await again.listJobs())[0]?.returned, 5502);
  await again.close();
});

test('a torn trailing line is ignored and the next return starts on a new line', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const first = new FileJobStore(dir);
  const jid = newJid();
  await first.saveJob(job(jid));
  assert.equal(await first.saveReturn(ret(jid, 'a')), true);
  await first.close();
  const log = join(dir, jid, 'returns.jsonl');
  const good = await readFile(log, 'utf8');
  // Crash mid-append: half of a line for b, no newline.
  const torn = JSON.stringify(ret(jid, 'b', { ret: 'torn' }));
  await appendFile(log, torn.slice(0, torn.length - 5));

  const second = new FileJobStore(dir);
  assert.deepEqual((await second.getJob(jid))?.returns.map((r) => r.id), ['a']);
  assert.equal((await second.listJobs())[0]?.returned, 1);
  assert.equal(await second.saveReturn(ret(jid, 'b', { ret: 'kept' })), true);
  assert.equal(await second.saveReturn(ret(jid, 'c')), true);
  const text = await readFile(log, 'utf8');
  assert.ok(text.startsWith(good), 'earlier lines untouched');
  const lines = text.split('\n');
  assert.equal(lines.pop(), '');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as ReturnRecord).id), ['a', 'b', 'c']);
  assert.deepEqual((await second.getJob(jid))?.returns.map((r) => [r.id, r.ret]), [['a', { ok: 'a' }], ['b', 'kept'], ['c', { ok: 'c' }]]);
  assert.equal((await second.listJobs())[0]?.returned, 3);
  await second.close();
});

test('garbage lines in the middle of the log are skipped by getJob', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const store = new FileJobStore(dir);
  const jid = newJid();
  await store.saveJob(job(jid));
  await store.saveReturn(ret(jid, 'a'));
  await store.close();
  const log = join(dir, jid, 'returns.jsonl');
  await appendFile(log, `{"jid":\n[1,2]\n${JSON.stringify(ret(newJid(), 'x'))}\n${JSON.stringify(ret(jid, 'b'))}\n`);
  const again = new FileJobStore(dir);
  assert.deepEqual((await again.getJob(jid))?.returns.map((r) => r.id), ['a', 'b']);
  assert.equal(await again.saveReturn(ret(jid, 'b')), false);
  assert.equal(await again.saveReturn(ret(jid, 'c')), true);
  assert.deepEqual((await again.getJob(jid))?.returns.map((r) => r.id), ['a', 'b', 'c']);
  await again.close();
});

test('duplicates are refused across a restart', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const jid = newJid();
  const first = new FileJobStore(dir);
  await first.saveJob(job(jid));
  assert.deepEqual(await Promise.all(['a', 'b', 'a'].map((id, i) => first.saveReturn(ret(jid, id, { ret: i })))), [true, true, false]);
  await first.close();
  const second = new FileJobStore(dir);
  assert.deepEqual(await Promise.all(['b', 'a', 'c', 'c'].map((id) => second.saveReturn(ret(jid, id, { ret: 'again' })))), [false, false, true, false]);
  assert.deepEqual((await second.getJob(jid))?.returns.map((r) => [r.id, r.ret]), [['a', 0], ['b', 1], ['c', 'again']]);
  await second.close();
});

test('idle log handles are closed and reopened transparently', async (t) => {
  const dir = join(await tempRoot(t), 'jobs');
  const store = new FileJobStore(dir, { idleCloseMs: 1 });
  const jid = newJid();
  await store.saveJob(job(jid));
  assert.equal(await store.saveReturn(ret(jid, 'a')), true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await store.saveReturn(ret(jid, 'a')), false);
  assert.equal(await store.saveReturn(ret(jid, 'b')), true);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(await store.saveReturn(ret(jid, 'c')), true);
  assert.deepEqual((await store.getJob(jid))?.returns.map((r) => r.id), ['a', 'b', 'c']);
  await store.close();
  await assert.rejects(store.saveReturn(ret(jid, 'd')), /closed/);
});
