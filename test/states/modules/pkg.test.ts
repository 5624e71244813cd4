import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pkgModule, wantedPkgs } from '../../../states/modules/pkg.js';
import { StateRegistry } from '../../../states/registry.js';
import { FakePkgDriver } from '../../doubles/fake-pkg.js';
import { makeContext } from '../../helpers/context.js';
import type { StateArgs } from '../../../states/types.js';

const fn = pkgModule.functions;

function ctxWith(pkg: FakePkgDriver, test = false) {
  return makeContext({ drivers: { pkg }, test });
}

test('pkg module exposes installed, removed, purged and latest with closed schemas without name', () => {
  assert.equal(pkgModule.name, 'pkg');
  assert.deepEqual(Object.keys(fn).sort(), ['installed', 'latest', 'purged', 'removed']);
  for (const f of Object.values(fn)) {
    assert.equal(f.schema.additionalProperties, false);
    const props = f.schema.properties as Record<string, unknown>;
    for (const k of ['name', 'order', 'require', 'onlyif', 'unless']) assert.equal(k in props, false);
  }
  assert.deepEqual((fn.installed.schema.properties as Record<string, { default?: unknown }>).refresh.default, false);
});

test('wantedPkgs reads Salt pkgs lists of names and single-key name: version maps, numbers as strings', () => {
  const args = { name: 'ignored', pkgs: ['curl', { nginx: '1.22.1-9' }, { jq: 1.6 }, { vim: null }] } as StateArgs;
  assert.deepEqual(wantedPkgs(args), [{ name: 'curl' }, { name: 'nginx', version: '1.22.1-9' }, { name: 'jq', version: '1.6' }, { name: 'vim' }]);
  assert.deepEqual(wantedPkgs({ name: 'nginx', version: 2 }), [{ name: 'nginx', version: '2' }]);
});

test('installed: already installed -> result true, no changes, nothing installed', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' }, candidates: { nginx: '1.24' } });
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctxWith(pkg));
  assert.deepEqual(r, { name: 'nginx', result: true, changes: {}, comment: 'All specified packages are already installed' });
  assert.deepEqual(pkg.mutations, []);
});

test('installed: installs a missing package, reports {old, new} from a re-query, and is idempotent', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22.1-9' } });
  const ctx = ctxWith(pkg);
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctx);
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { nginx: { old: '', new: '1.22.1-9' } });
  assert.match(r.comment, /installed\/updated: nginx/);
  assert.deepEqual(pkg.calls.filter((c) => c.op === 'install'), [{ op: 'install', pkgs: [{ name: 'nginx' }], refresh: false }]);
  assert.equal(pkg.calls.at(-1)!.op, 'installed', 'changes come from a query after installing');

  const again = await fn.installed.run({ name: 'nginx', refresh: false }, ctx);
  assert.equal(again.result, true);
  assert.deepEqual(again.changes, {});
  assert.equal(pkg.calls.filter((c) => c.op === 'install').length, 1);
});

test('installed: a different installed version is replaced by the pinned one', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.18' }, candidates: { nginx: '1.24' } });
  const r = await fn.installed.run({ name: 'nginx', version: '1.22', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { nginx: { old: '1.18', new: '1.22' } });
  assert.deepEqual(pkg.calls.find((c) => c.op === 'install'), { op: 'install', pkgs: [{ name: 'nginx', version: '1.22' }], refresh: false });
});

test('installed: numeric version from YAML matches the installed string version', async () => {
  const pkg = new FakePkgDriver({ installed: { jq: '1.6' }, candidates: { jq: '1.7' } });
  const r = await fn.installed.run({ name: 'jq', version: 1.6, refresh: false }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, {});
});

test('installed: trailing * version matches by prefix', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22.1-9' }, candidates: { nginx: '1.24' } });
  const r = await fn.installed.run({ name: 'nginx', version: '1.22*', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, {});
});

test('installed: pkgs installs only the missing or wrong-version entries and ignores name', async () => {
  const pkg = new FakePkgDriver({
    installed: { curl: '7.88', jq: '1.6' },
    candidates: { curl: '7.88', jq: '1.7', nginx: '1.22' },
  });
  const r = await fn.installed.run({ name: 'web-tools', pkgs: ['curl', { jq: '1.7' }, 'nginx'], refresh: false }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { jq: { old: '1.6', new: '1.7' }, nginx: { old: '', new: '1.22' } });
  assert.deepEqual(pkg.calls.find((c) => c.op === 'install'),
    { op: 'install', pkgs: [{ name: 'jq', version: '1.7' }, { name: 'nginx' }], refresh: false });
});

test('installed: refresh: true refreshes the package database (once) before installing', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22' } });
  await fn.installed.run({ name: 'nginx', refresh: true }, ctxWith(pkg));
  assert.deepEqual(pkg.calls.filter((c) => c.op !== 'installed').map((c) => [c.op, (c as { refresh: boolean }).refresh]),
    [['candidates', true], ['install', false]]);
});

test('installed in test mode: result null, predicted changes, no install and no refresh', async () => {
  const pkg = new FakePkgDriver({ installed: { jq: '1.6' }, candidates: { nginx: '1.22.1-9', jq: '1.7' } });
  const r = await fn.installed.run({ name: 'x', pkgs: ['nginx', { jq: '1.7' }], refresh: true }, ctxWith(pkg, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: { old: '', new: '1.22.1-9' }, jq: { old: '1.6', new: '1.7' } });
  assert.match(r.comment, /would be installed\/updated: nginx, jq=1\.7/);
  assert.deepEqual(pkg.mutations, []);
  assert.equal(pkg.installedPkgs.has('nginx'), false);
});

test('installed in test mode when everything is installed: result true, no changes', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' } });
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctxWith(pkg, true));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, {});
});

test('installed: a package unknown to the package manager fails naming it, without installing anything', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22' } });
  const r = await fn.installed.run({ name: 'x', pkgs: ['nginx', 'ngnix'], refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.deepEqual(r.changes, {});
  assert.match(r.comment, /ngnix/);
  assert.doesNotMatch(r.comment, /nginx,/);
  assert.deepEqual(pkg.mutations, []);
});

test('installed: a driver exception gives result false with the driver message', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22' } });
  pkg.failWith = 'apt-get install -y -q nginx exited with code 100: E: Could not get lock /var/lib/dpkg/lock-frontend';
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /Could not get lock/);
  assert.deepEqual(r.changes, {});
});

test('installed: a failing query gives result false with the message', async () => {
  const pkg = new FakePkgDriver();
  pkg.queryFailsWith = 'dpkg-query -W exited with code 2: database locked';
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /database locked/);
});

test('installed: an install that reports success but leaves the package missing fails', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22' } });
  pkg.silentlyIgnore = true;
  const r = await fn.installed.run({ name: 'nginx', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /failed to install\/update: nginx \(installed: none\)/);
});

test('installed: version comparison operators are refused clearly', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.22' } });
  const r = await fn.installed.run({ name: 'nginx', version: '>=1.20', refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /not supported.*nginx=>=1\.20/);
  assert.deepEqual(pkg.calls, []);
});

test('removed: removes installed packages, reports {old, new: ""}, skips absent ones, idempotent', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22', curl: '7.88' } });
  const ctx = ctxWith(pkg);
  const r = await fn.removed.run({ name: 'x', pkgs: ['nginx', 'vim'] }, ctx);
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { nginx: { old: '1.22', new: '' } });
  assert.deepEqual(pkg.calls.find((c) => c.op === 'remove'), { op: 'remove', names: ['nginx'], purge: false });
  assert.equal(pkg.installedPkgs.get('curl'), '7.88');

  const again = await fn.removed.run({ name: 'x', pkgs: ['nginx', 'vim'] }, ctx);
  assert.deepEqual(again, { name: 'x', result: true, changes: {}, comment: 'None of the targeted packages are installed' });
  assert.equal(pkg.calls.filter((c) => c.op === 'remove').length, 1);
});

test('purged: purges by name with purge: true', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' } });
  const r = await fn.purged.run({ name: 'nginx' }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.equal(r.comment, 'All targeted packages were purged.');
  assert.deepEqual(pkg.calls.find((c) => c.op === 'remove'), { op: 'remove', names: ['nginx'], purge: true });
});

test('removed in test mode: result null, predicted changes, nothing removed', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' } });
  const r = await fn.removed.run({ name: 'nginx' }, ctxWith(pkg, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: { old: '1.22', new: '' } });
  assert.deepEqual(pkg.mutations, []);
  assert.equal(pkg.installedPkgs.get('nginx'), '1.22');
});

test('removed: a driver exception gives result false with the message', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' } });
  pkg.failWith = 'apt-get remove -y -q nginx exited with code 100: E: dpkg was interrupted';
  const r = await fn.removed.run({ name: 'nginx' }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /dpkg was interrupted/);
});

test('latest: upgrades to the candidate version and reports the change; second run is up-to-date', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' }, candidates: { nginx: '1.24' } });
  const ctx = ctxWith(pkg);
  const r = await fn.latest.run({ name: 'nginx', refresh: false }, ctx);
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { nginx: { old: '1.22', new: '1.24' } });
  assert.deepEqual(pkg.calls.find((c) => c.op === 'install'), { op: 'install', pkgs: [{ name: 'nginx', version: '1.24' }], refresh: false });

  const again = await fn.latest.run({ name: 'nginx', refresh: false }, ctx);
  assert.deepEqual(again, { name: 'nginx', result: true, changes: {}, comment: 'Package nginx is already up-to-date' });
});

test('latest: installs missing packages, leaves up-to-date ones, and treats installed-without-candidate as up-to-date', async () => {
  const pkg = new FakePkgDriver({ installed: { curl: '7.88', localpkg: '0.1' }, candidates: { curl: '7.88', jq: '1.7' } });
  const r = await fn.latest.run({ name: 'x', pkgs: ['curl', 'jq', 'localpkg'], refresh: false }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(r.changes, { jq: { old: '', new: '1.7' } });
});

test('latest in test mode: predicts upgrades (result null) and neither refreshes nor installs', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.22' }, candidates: { nginx: '1.24' } });
  const r = await fn.latest.run({ name: 'nginx', refresh: true }, ctxWith(pkg, true));
  assert.equal(r.result, null);
  assert.deepEqual(r.changes, { nginx: { old: '1.22', new: '1.24' } });
  assert.deepEqual(pkg.mutations, []);
});

test('latest: unknown package fails naming it', async () => {
  const pkg = new FakePkgDriver({ candidates: { nginx: '1.24' } });
  const r = await fn.latest.run({ name: 'x', pkgs: ['nginx', 'nosuchpkg'], refresh: false }, ctxWith(pkg));
  assert.equal(r.result, false);
  assert.match(r.comment, /nosuchpkg/);
  assert.deepEqual(pkg.mutations, []);
});

test('latest: refresh: true refreshes before comparing versions', async () => {
  const pkg = new FakePkgDriver({ installed: { nginx: '1.24' }, candidates: { nginx: '1.24' } });
  const r = await fn.latest.run({ name: 'nginx', refresh: true }, ctxWith(pkg));
  assert.equal(r.result, true);
  assert.deepEqual(pkg.calls.find((c) => c.op === 'candidates'), { op: 'candidates', names: ['nginx'], refresh: true });
});

test('pkg.installed and pkg.latest accept reload_modules (Salt reloads its modules; nothing to do here)', () => {
  const reg = new StateRegistry([pkgModule]);
  assert.deepEqual(reg.validate('pkg', 'installed', { reload_modules: true }), { args: { reload_modules: true, refresh: false }, errors: [] });
  assert.deepEqual(reg.validate('pkg', 'latest', {}).args, { refresh: false, reload_modules: false });
});
