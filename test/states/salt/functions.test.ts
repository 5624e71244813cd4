import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaltFunctions } from '../../../states/salt/functions/salt-object.js';
import { boxExec, passwdUserInfo, realFs } from '../../../states/salt/functions/box-deps.js';
import type { SaltDeps } from '../../../states/salt/functions/deps.js';
import { JinjaError } from '../../../states/jinja/errors.js';
import { fromPy, PyFunction, PyObject, toPy, type Value } from '../../../states/jinja/values.js';
import { python } from './python.js';

const deps = (o: Partial<SaltDeps> = {}, pillar: unknown = {}, grains: unknown = {}, opts: unknown = { id: 'box1' }): SaltDeps =>
  ({ pillar: toPy(pillar) as Map<Value, Value>, grains: toPy(grains) as Map<Value, Value>, opts: toPy(opts) as Map<Value, Value>, ...o });

/** Calls salt['name'](*args, **kwargs) with JS values in and out. */
function call(s: SaltFunctions, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): unknown {
  const f = s.getitem(name) as PyFunction;
  return fromPy(f.call(args.map(toPy), new Map(Object.entries(kwargs).map(([k, v]) => [k, toPy(v)]))));
}

test('pillar.get: nested keys, defaults by position or keyword, delimiter, list indexes, lists of dicts', () => {
  const s = new SaltFunctions(deps({}, { a: { b: 'deep', 'x:y': 1 }, l: ['zero', { k: 'v' }], n: { 1: 'int key' } }));
  assert.equal(call(s, 'pillar.get', ['a:b']), 'deep');
  assert.equal(call(s, 'pillar.get', ['a:missing']), '', 'Salt\'s default default is an empty string');
  assert.equal(call(s, 'pillar.get', ['a:missing', 'd1']), 'd1');
  assert.equal(call(s, 'pillar.get', ['a:missing'], { default: 'd2' }), 'd2');
  assert.equal(call(s, 'pillar.get', ['a|x:y'], { delimiter: '|' }), 1);
  assert.equal(call(s, 'pillar.get', ['l:0']), 'zero');
  assert.equal(call(s, 'pillar.get', ['l:-1:k']), 'v');
  assert.equal(call(s, 'pillar.get', ['l:k']), 'v', 'a key looked up in the dicts inside a list');
  assert.equal(call(s, 'pillar.get', ['a:b:c'], { default: 'nope' }), 'nope', 'indexing into a string gives the default');
});

test('pillar.get with merge=True: the default updated recursively with pillar, lists replaced unless merge_nested_lists', () => {
  const pillar = { pkg: { lookup: { name: 'nginx-full', opts: { b: 2 }, list: [3] } } };
  const s = new SaltFunctions(deps({}, pillar));
  const dflt = { name: 'nginx', opts: { a: 1 }, list: [1, 2] };
  assert.deepEqual(call(s, 'pillar.get', ['pkg:lookup', dflt], { merge: true }), { name: 'nginx-full', opts: { a: 1, b: 2 }, list: [3] });
  assert.deepEqual(call(s, 'pillar.get', ['pkg:lookup', dflt], { merge: true, merge_nested_lists: true }), { name: 'nginx-full', opts: { a: 1, b: 2 }, list: [1, 2, 3] });
  assert.deepEqual(call(s, 'pillar.get', ['pkg:lookup:list', [1, 3]], { merge: true }), [1, 3], 'a list default gets the missing items appended');
  assert.deepEqual(call(s, 'pillar.get', ['nothing', { a: 1 }], { merge: true }), { a: 1 });
});

test('config.get looks in opts, then grains, then pillar, then pillar master; merge= merges them all', () => {
  const s = new SaltFunctions(deps({}, { k: 'pillar', p: { a: 1 }, master: { m: 'from master' } }, { k: 'grain', g: 'grain only', p: { b: 2 } }, { id: 'box1', k: 'opt' }));
  assert.equal(call(s, 'config.get', ['k']), 'opt');
  assert.equal(call(s, 'config.get', ['g']), 'grain only');
  assert.equal(call(s, 'config.get', ['m']), 'from master');
  assert.equal(call(s, 'config.get', ['none'], { default: 'x' }), 'x');
  assert.deepEqual(call(s, 'config.get', ['p']), { b: 2 }, 'the first source that has it wins');
  assert.deepEqual(call(s, 'config.get', ['p'], { merge: 'recurse' }), { a: 1, b: 2 });
});

test('grains.filter_by: Salt\'s documented examples (glob keys, default, base, merge)', () => {
  const s = new SaltFunctions(deps({}, {}, { os_family: 'Debian', os: 'Ubuntu', osfinger: 'Ubuntu-22.04', roles: ['web', 'db'] }));
  const lookup = { Debian: { pkg: 'apache2', srv: 'apache2' }, RedHat: { pkg: 'httpd', srv: 'httpd' }, default: { pkg: 'apache', srv: 'apache' } };
  assert.deepEqual(call(s, 'grains.filter_by', [lookup]), { pkg: 'apache2', srv: 'apache2' });
  assert.deepEqual(call(s, 'grains.filter_by', [lookup], { grain: 'os' }), { pkg: 'apache', srv: 'apache' }, 'the default key');
  assert.deepEqual(call(s, 'grains.filter_by', [{ 'Ubuntu-1*': 'old', 'Ubuntu-2*': 'new' }], { grain: 'osfinger' }), 'new');
  assert.deepEqual(call(s, 'grains.filter_by', [{ db: 'D', web: 'W' }], { grain: 'roles' }), 'W', 'a list grain: its first value that matches');
  assert.deepEqual(call(s, 'grains.filter_by', [{ common: { a: 1, b: 1 }, Debian: { b: 2 } }], { base: 'common' }), { a: 1, b: 2 });
  assert.deepEqual(call(s, 'grains.filter_by', [lookup, 'os_family', { pkg: 'apache2-custom' }]), { pkg: 'apache2-custom', srv: 'apache2' });
  assert.equal(call(s, 'grains.filter_by', [{ RedHat: 1 }]), null);
});

test('grains.get, grains.has_value, grains.item, pillar.item, pillar.items, pillar.raw', () => {
  const s = new SaltFunctions(deps({}, { a: 1, b: { c: 2 } }, { os: 'Debian', ipv4: ['127.0.0.1', '10.0.0.5'], empty: '' }));
  assert.equal(call(s, 'grains.get', ['os']), 'Debian');
  assert.equal(call(s, 'grains.get', ['ipv4:1']), '10.0.0.5');
  assert.equal(call(s, 'grains.get', ['nope'], { default: 'd' }), 'd');
  assert.equal(call(s, 'grains.has_value', ['empty']), true, 'present even when falsy');
  assert.equal(call(s, 'grains.has_value', ['nope']), false);
  assert.deepEqual(call(s, 'grains.item', ['os', 'nope']), { os: 'Debian', nope: '' });
  assert.deepEqual(call(s, 'pillar.item', ['a', 'b:c']), { a: 1, 'b:c': 2 });
  assert.deepEqual(call(s, 'pillar.items'), { a: 1, b: { c: 2 } });
  assert.deepEqual(call(s, 'pillar.raw', ['b']), { c: 2 });
});

test('defaults.merge merges in place (as Salt), defaults.deepcopy copies, slsutil.merge/merge_all copy', () => {
  const s = new SaltFunctions(deps());
  const dest = toPy({ a: { x: 1 }, l: [1] }) as Map<Value, Value>;
  const f = s.getitem('defaults.merge') as PyFunction;
  const ret = f.call([dest, toPy({ a: { y: 2 }, l: [2] })], new Map());
  assert.equal(ret, dest, 'the very dict passed in');
  assert.deepEqual(fromPy(dest), { a: { x: 1, y: 2 }, l: [2] });
  f.call([dest, toPy({ l: [3] })], new Map([['merge_lists', true]]));
  assert.deepEqual(fromPy(dest.get('l')), [2, 3]);
  const orig = toPy({ a: { b: 1 } }) as Map<Value, Value>;
  const copy = (s.getitem('defaults.deepcopy') as PyFunction).call([orig], new Map()) as Map<Value, Value>;
  assert.notEqual(copy.get('a'), orig.get('a'));
  const a = toPy({ k: { x: 1 } }) as Map<Value, Value>;
  assert.deepEqual(fromPy((s.getitem('slsutil.merge') as PyFunction).call([a, toPy({ k: { y: 2 } })], new Map())), { k: { x: 1, y: 2 } });
  assert.deepEqual(fromPy(a), { k: { x: 1 } }, 'slsutil.merge leaves its arguments alone');
  assert.deepEqual(call(s, 'slsutil.merge_all', [[{ a: 1 }, { b: { c: 1 } }, { b: { d: 2 } }]]), { a: 1, b: { c: 1, d: 2 } });
  assert.deepEqual(call(s, 'slsutil.merge', [{ a: [1] }, { a: [2] }], { merge_lists: true }), { a: [1, 2] });
});

test('slsutil.serialize/deserialize: yaml (block style, as salt.serializers.yaml) and json', () => {
  const s = new SaltFunctions(deps());
  const data = { b: [1, 2], a: 'é', c: { d: [{ e: 1 }] } };
  const want = python<string>(`
import yaml, json, sys
r = yaml.dump(json.load(sys.stdin), Dumper=yaml.SafeDumper, default_flow_style=None)
print(json.dumps(r[:-5] if r.endswith('\\n...\\n') else r[:-1] if r.endswith('\\n') else r))`, data);
  assert.equal(call(s, 'slsutil.serialize', ['yaml', data]), want);
  assert.equal(call(s, 'slsutil.serialize', ['json', { b: 1, a: 'é' }]), '{"b": 1, "a": "é"}');
  assert.deepEqual(call(s, 'slsutil.deserialize', ['yaml', 'a: yes\nb: 0644\n']), { a: true, b: 420 }, 'the serializer uses PyYAML\'s plain SafeLoader');
  assert.deepEqual(call(s, 'slsutil.deserialize', ['json', '{"a": [1]}']), { a: [1] });
});

test('file.dirname/basename/join/normpath behave as Python\'s posixpath (python3 is the oracle)', () => {
  const s = new SaltFunctions(deps());
  const paths = ['/a/b/', 'a', '/', '//a//b', 'a/../../b', '/../x', '', 'a/./b/', '///x/..', '/etc/nginx/nginx.conf'];
  const want = python<[string, string, string][]>('import json, sys, posixpath as p\nprint(json.dumps([[p.dirname(x), p.basename(x), p.normpath(x)] for x in json.load(sys.stdin)]))', paths);
  paths.forEach((p, i) => assert.deepEqual([call(s, 'file.dirname', [p]), call(s, 'file.basename', [p]), call(s, 'file.normpath', [p])], want[i], p));
  assert.equal(call(s, 'file.join', ['a', '/b', 'c']), '/b/c');
  assert.equal(call(s, 'file.join', ['/etc/', 'x']), '/etc/x');
  const mod = s.getattr('file') as PyObject;
  assert.equal((mod.getattr('dirname') as PyFunction).call(['/x/y'], new Map()), '/x', 'salt.file.dirname(...) works too');
});

test('box functions on a real file system, passwd file and commands', async () => {
  const root = await mkdtemp(join(tmpdir(), 'umec-saltfn-'));
  try {
    await mkdir(join(root, 'etc'));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice Liddell,Room 1,555,556:/home/alice:/bin/zsh\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nalice:x:1000:\nsudo:x:27:alice,bob\nusers:x:100:bob\n');
    await writeFile(join(root, 'f'), 'x');
    await symlink(join(root, 'f'), join(root, 'l'));
    const s = new SaltFunctions(deps({ userInfo: passwdUserInfo(root), fs: realFs, exec: boxExec }));
    assert.deepEqual(call(s, 'user.info', ['alice']), {
      gid: 1000, groups: ['alice', 'sudo'], home: '/home/alice', name: 'alice', passwd: 'x', shell: '/bin/zsh', uid: 1000,
      fullname: 'Alice Liddell', roomnumber: 'Room 1', workphone: '555', homephone: '556', other: '',
    });
    assert.deepEqual(call(s, 'user.info', ['nobody-here']), {});
    assert.equal(call(s, 'file.file_exists', [join(root, 'f')]), true);
    assert.equal(call(s, 'file.file_exists', [root]), false);
    assert.equal(call(s, 'file.directory_exists', [root]), true);
    assert.equal(call(s, 'file.is_link', [join(root, 'l')]), true);
    assert.equal(call(s, 'cmd.run', ['echo "a  b"']), 'a  b', 'no shell: the quoted argument is kept whole');
    assert.equal(call(s, 'cmd.run', ['echo $HOME']), '$HOME', 'no shell by default from templates (python_shell=False)');
    assert.equal(call(s, 'cmd.shell', ['echo one; echo two >&2']), 'one\ntwo');
    assert.equal(call(s, 'cmd.retcode', ['false']), 1);
    assert.equal(call(s, 'cmd.run', ['pwd'], { cwd: root }), root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('what the render place cannot answer says so by name; unknown functions too; mine.get is empty masterless', () => {
  const s = new SaltFunctions(deps({ where: 'on the master (roster compile)' }));
  assert.throws(() => call(s, 'cmd.run', ['ls']), (e: unknown) => e instanceof JinjaError && e.kind === 'NotProvided' && e.message === 'salt function cmd.run is not provided on the master (roster compile)');
  assert.throws(() => call(s, 'user.info', ['root']), /salt function user.info is not provided/);
  assert.throws(() => call(s, 'nosuch.fun'), (e: unknown) => e instanceof JinjaError && e.message === 'salt function nosuch.fun is not provided');
  const mod = s.getattr('alternatives') as PyObject;
  assert.throws(() => (mod.getattr('show_current') as PyFunction).call([], new Map()), /salt function alternatives.show_current is not provided/);
  assert.deepEqual(call(s, 'mine.get', ['*', 'network.ip_addrs']), {});
  assert.equal(call(s, 'test.true'), true);
  assert.throws(() => call(s, 'pillar.get', [], {}), /missing 1 required positional argument: 'key'/);
  assert.throws(() => call(s, 'pillar.get', ['a'], { bogus: 1 }), /unexpected keyword argument 'bogus'/);
});

test('log.* hand the message to the injected logger and return None; network.ip_addrs leaves loopback out and sorts', () => {
  const logged: string[] = [];
  const s = new SaltFunctions(deps({
    log: (level, m) => logged.push(`${level}:${m}`),
    interfaceAddrs: () => [
      { iface: 'lo', address: '127.0.0.1', family: 4 }, { iface: 'eth1', address: '192.168.1.9', family: 4 },
      { iface: 'eth0', address: '10.0.0.20', family: 4 }, { iface: 'eth0', address: 'fe80::1', family: 6 }, { iface: 'eth2', address: '8.8.4.4', family: 4 },
    ],
  }));
  assert.equal(call(s, 'log.debug', ['hello']), null);
  call(s, 'log.warning', [{ a: 1 }]);
  assert.deepEqual(logged, ['debug:hello', "warning:{'a': 1}"]);
  assert.deepEqual(call(s, 'network.ip_addrs'), ['8.8.4.4', '10.0.0.20', '192.168.1.9']);
  assert.deepEqual(call(s, 'network.ip_addrs', [], { cidr: '10.0.0.0/8' }), ['10.0.0.20']);
  assert.deepEqual(call(s, 'network.ip_addrs', [], { type: 'public' }), ['8.8.4.4']);
  assert.deepEqual(call(s, 'network.ip_addrs', ['eth0']), ['10.0.0.20']);
});

test('config.option: a top-level key from opts, grains, pillar, then pillar master; the default otherwise', () => {
  const s = new SaltFunctions(deps({}, { 'postgres.bins_dir': '/pillar/bin', master: { 'only.master': 'm' } }, { 'g.key': 'grain' }, { id: 'box1', 'postgres.bins_dir': '/opts/bin' }));
  assert.equal(call(s, 'config.option', ['postgres.bins_dir']), '/opts/bin');
  assert.equal(call(s, 'config.option', ['postgres.bins_dir'], { omit_opts: true }), '/pillar/bin');
  assert.equal(call(s, 'config.option', ['g.key']), 'grain');
  assert.equal(call(s, 'config.option', ['only.master']), 'm');
  assert.equal(call(s, 'config.option', ['no.such']), '');
  assert.equal(call(s, 'config.option', ['no.such', 'dflt']), 'dflt');
  assert.equal(call(s, 'config.option', ['postgres.bins_dir'], { omit_all: true }), '');
});

test('cmd.has_exec: true for a command on PATH or an executable path, false otherwise; not provided without the box', () => {
  const s = new SaltFunctions(deps({ fs: realFs }));
  assert.equal(call(s, 'cmd.has_exec', ['sh']), true);
  assert.equal(call(s, 'cmd.has_exec', ['/bin/sh']), true);
  assert.equal(call(s, 'cmd.has_exec', ['umec-no-such-command']), false);
  assert.equal(call(s, 'cmd.has_exec', ['/etc/passwd']), false, 'a file that is not executable');
  assert.throws(() => call(new SaltFunctions(deps()), 'cmd.has_exec', ['sh']), /salt function cmd.has_exec is not provided/);
});
