import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileHostsDriver } from '../../../states/drivers/hosts-file.js';
import { RootFiles } from '../../../states/drivers/root-files.js';
import { hostModule } from '../../../states/modules/host/index.js';
import { addHost, parseHosts, rmHost, setHost } from '../../../states/modules/host/hosts-file.js';
import { stateCaller } from '../../helpers/call-state.js';
import { tempDir } from '../../helpers/context.js';

// Debian 12's /etc/hosts as netbase and the installer leave it.
const DEBIAN_HOSTS = `127.0.0.1\tlocalhost
127.0.1.1\tbox1

# The following lines are desirable for IPv6 capable hosts
::1     localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`;

async function withHosts(initial: string | undefined, fn: (env: {
  state: ReturnType<typeof stateCaller>; read: () => Promise<string>; path: string;
}) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-hosts-');
  const path = join(dir, 'etc', 'hosts');
  await mkdir(join(dir, 'etc'));
  if (initial !== undefined) await writeFile(path, initial);
  try {
    const hosts = new FileHostsDriver(new RootFiles(dir));
    await fn({ state: stateCaller(hostModule, { hosts }), read: () => readFile(path, 'utf8'), path });
  } finally { await cleanup(); }
}

test('the first added name rewrites the file in Salt\'s layout (one line per address, blank lines dropped)', async () => {
  await withHosts(DEBIAN_HOSTS, async ({ state, read }) => {
    const r = await state('present', { name: 'salt', ip: '10.0.0.5' });
    assert.deepEqual(r, { name: 'salt', result: true, changes: { added: { '10.0.0.5': ['salt'] } }, comment: 'Added host salt (10.0.0.5)' });
    assert.equal(await read(), [
      '127.0.0.1\t\tlocalhost', '127.0.1.1\t\tbox1', '# The following lines are desirable for IPv6 capable hosts',
      '::1\t\tlocalhost ip6-localhost ip6-loopback', 'ff02::1\t\tip6-allnodes', 'ff02::2\t\tip6-allrouters',
      '10.0.0.5\t\tsalt', '',
    ].join('\n'));
    const again = await state('present', { name: 'salt', ip: '10.0.0.5' });
    assert.deepEqual(again, { name: 'salt', result: true, changes: {}, comment: 'Host salt (10.0.0.5) already present' });
  });
});

test('present with several addresses, a comment and clean; test mode predicts the same changes', async () => {
  await withHosts(DEBIAN_HOSTS, async ({ state, read }) => {
    const args = { name: 'box1', ip: ['127.0.1.1', '10.1.1.1'], comment: 'managed', clean: false };
    const predicted = await state('present', args, true);
    assert.equal(predicted.result, null);
    assert.equal(await read(), DEBIAN_HOSTS);
    const r = await state('present', args);
    assert.equal(r.result, true);
    assert.deepEqual(r.changes, predicted.changes);
    assert.deepEqual(r.changes, { added: { '10.1.1.1': ['box1'] }, comment_added: { '10.1.1.1': ['managed'], '127.0.1.1': ['managed'] } });
    assert.equal(r.comment, 'Added host box1 (10.1.1.1)\nSet comment for host 10.1.1.1 (managed)\nSet comment for host 127.0.1.1 (managed)');
    assert.match(await read(), /^127\.0\.1\.1\t\tbox1\t\t# managed$/m);
    assert.match(await read(), /^10\.1\.1\.1\t\tbox1\t\t# managed$/m);
    assert.deepEqual((await state('present', args)).changes, {});
    // clean: the name leaves addresses not listed.
    const c = await state('present', { name: 'box1', ip: '10.1.1.1', clean: true });
    assert.deepEqual(c.changes, { removed: { '127.0.1.1': ['box1'] } });
    assert.equal(c.comment, 'Host box1 (10.1.1.1) already present\nRemoved host box1 (127.0.1.1)');
    assert.doesNotMatch(await read(), /^127\.0\.1\.1/m);
  });
});

test('absent removes a name from its line and keeps the others (Salt\'s trailing space included)', async () => {
  await withHosts(DEBIAN_HOSTS, async ({ state, read }) => {
    let r = await state('absent', { name: 'ip6-localhost', ip: '::1' }, true);
    assert.deepEqual(r, { name: 'ip6-localhost', result: null, changes: { host: 'ip6-localhost' }, comment: 'Host ip6-localhost (::1) needs to be removed' });
    r = await state('absent', { name: 'ip6-localhost', ip: ['::1', '10.9.9.9'] });
    assert.deepEqual(r, { name: 'ip6-localhost', result: true, changes: { host: 'ip6-localhost' },
      comment: 'Removed host ip6-localhost (::1)\nHost ip6-localhost (10.9.9.9) already absent' });
    assert.equal(await read(), DEBIAN_HOSTS.replace('::1     localhost ip6-localhost ip6-loopback', '::1\t\tlocalhost ip6-loopback '));
    r = await state('absent', { name: 'ip6-localhost', ip: '::1' });
    assert.deepEqual(r.changes, {});
    assert.equal(r.comment, 'Host ip6-localhost (::1) already absent');
    await state('absent', { name: 'box1', ip: '127.0.1.1' });
    assert.doesNotMatch(await read(), /box1/);
  });
});

test('only sets exactly the names of an address, in order, and [] removes the address', async () => {
  await withHosts(DEBIAN_HOSTS, async ({ state, read }) => {
    let r = await state('only', { name: '127.0.1.1', hostnames: ['box1.example.com', 'box1'] }, true);
    assert.deepEqual(r, { name: '127.0.1.1', result: null, changes: { '127.0.1.1': { old: 'box1', new: 'box1.example.com box1' } },
      comment: 'Would change 127.0.1.1 from "box1" to "box1.example.com box1"' });
    r = await state('only', { name: '127.0.1.1', hostnames: ['box1.example.com', 'box1'] });
    assert.equal(r.comment, 'successfully changed 127.0.1.1 from "box1" to "box1.example.com box1"');
    assert.equal(await read(), DEBIAN_HOSTS.replace('127.0.1.1\tbox1', '127.0.1.1\t\tbox1.example.com box1'));
    r = await state('only', { name: '127.0.1.1', hostnames: ['box1.example.com', 'box1'] });
    assert.deepEqual(r, { name: '127.0.1.1', result: true, changes: {}, comment: 'IP address 127.0.1.1 already set to "box1.example.com box1"' });
    await state('only', { name: '203.0.113.25', hostnames: 'web' });
    assert.match(await read(), /\n203\.0\.113\.25\t\tweb\n$/);
    await state('only', { name: '203.0.113.25', hostnames: [] });
    assert.doesNotMatch(await read(), /203\.0\.113\.25/);
  });
});

test('a missing hosts file is created; the file keeps its mode', async () => {
  await withHosts(undefined, async ({ state, read, path }) => {
    await state('present', { name: 'a', ip: '10.0.0.1' });
    assert.equal(await read(), '10.0.0.1\t\ta\n');
    await chmod(path, 0o600);
    await state('present', { name: 'b', ip: '10.0.0.1' });
    assert.equal(await read(), '10.0.0.1\t\ta b\n');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });
});

test('pure edits: duplicate address lines merge on rewrite; rm keeps an inline comment', () => {
  const text = '10.0.0.1 a\n10.0.0.1 b # first\n';
  assert.deepEqual([...parseHosts(text).entries()], [['10.0.0.1', { aliases: ['a', 'b'], comment: 'first' }]]);
  assert.equal(addHost(text, '10.0.0.1', 'c'), '10.0.0.1\t\ta b c\t\t# first\n');
  assert.equal(rmHost(text, '10.0.0.1', 'a'), '10.0.0.1\t\tb # first\n');
  assert.equal(rmHost('10.0.0.1 a b # note\n', '10.0.0.1', 'a'), '10.0.0.1\t\tb # note\n');
  assert.equal(setHost('10.0.0.1 a\n10.0.0.1 b\nx', '10.0.0.1', 'z'), '10.0.0.1\t\tz\nx');
  assert.equal(setHost('x', '10.0.0.2', 'y'), 'x\n10.0.0.2\t\ty\n');
});

test('schemas: ip and hostnames are required, comment and clean default as in Salt', () => {
  const props = hostModule.functions.present.schema.properties as Record<string, { default?: unknown }>;
  assert.equal(props.comment.default, '');
  assert.equal(props.clean.default, false);
  assert.deepEqual(hostModule.functions.present.schema.required, ['ip']);
  assert.deepEqual(hostModule.functions.only.schema.required, ['hostnames']);
});
