import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { writePackage } from '../helpers/app-package.js';
import { startMaster } from '../helpers/fleet.js';

type Line = { type: string; [k: string]: unknown };

/** One request over the master's real control socket (as the CLI sends it). */
function ask(path: string, request: Record<string, unknown>): Promise<Line> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const sock = createConnection(path);
    sock.setEncoding('utf8');
    sock.once('error', reject);
    sock.on('data', (d: string) => { buf += d; });
    sock.once('close', () => resolve(JSON.parse(buf.split('\n')[0]) as Line));
    sock.write(`${JSON.stringify(request)}\n`);
  });
}

const HOSTILE = `name: grabby
version: "1.0"
containers:
  - name: main
    image: localhost/grabby/main:1.0
    network_mode: host
    volumes: ["/:/host", "/srv/umec/appdata/grabby:/data", "cache:/cache"]
    cap_add: [SYS_ADMIN, CAP_NET_BIND_SERVICE]
    user: "0"
  - name: side
    image: localhost/grabby/side:1.0
    network_mode: "container:main"
    volumes: ["/srv/umec/appdata/../../etc:/etc2"]
    user: "root:root"
`;

test('the package policy refuses host namespaces, privileged capabilities, host mounts outside allowed paths and user 0, naming each field; an admin exception per package lets it in', async () => {
  const f = await startMaster({ master: { app_policy: { host_paths: ['/srv/umec/appdata'] } } });
  try {
    const sock = join(f.masterConfig.data_dir, 'master.sock');
    const pkg = join(f.root, 'grabby-1.0');
    await writePackage(pkg, HOSTILE);

    const refused = await ask(sock, { op: 'app.onboard', path: pkg });
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'APP_PACKAGE');
    const msg = String(refused.message);
    for (const want of [
      /app\.yaml.*refused by the package policy/,
      /containers\.0\.network_mode: host shares the box's network namespace/,
      /containers\.0\.volumes\.0: host path \/ is outside the paths apps may mount \(app_policy\.host_paths: \/srv\/umec\/appdata\)/,
      /containers\.0\.cap_add\.0: SYS_ADMIN is a privileged capability/,
      /containers\.0\.user: "0" runs the container as root/,
      /containers\.1\.network_mode: container:main joins another namespace/,
      /containers\.1\.volumes\.0: \/srv\/umec\/appdata\/\.\.\/\.\.\/etc is not a plain absolute path \(no \. or \.\. parts; no exception allows it\)/,
      /containers\.1\.user: "root:root" runs the container as root/,
      /umec app allow grabby host_network cap:SYS_ADMIN user_root host_path:\/ host_namespace\)$/,
    ]) assert.match(msg, want);
    assert.doesNotMatch(msg, /volumes\.1|volumes\.2|NET_BIND_SERVICE/, 'allowed paths, named volumes and default capabilities pass');
    assert.deepEqual((await ask(sock, { op: 'app.list' })).result, [], 'nothing stored');
    // the vendor fixes the path that climbs out; the rest needs an admin
    await writePackage(pkg, HOSTILE.replace('/srv/umec/appdata/../../etc:/etc2', '/srv/umec/appdata/grabby/etc:/etc2'));

    // an exception for part of it is not enough
    await ask(sock, { op: 'app.allow', name: 'grabby', allow: ['host_network', 'cap:SYS_ADMIN'] });
    const still = await ask(sock, { op: 'app.onboard', path: pkg });
    assert.equal(still.type, 'error');
    assert.doesNotMatch(String(still.message), /containers\.0\.network_mode|SYS_ADMIN/);
    assert.match(String(still.message), /containers\.0\.user/);
    // another app's exceptions do not count
    assert.equal((await ask(sock, { op: 'app.allow', name: 'other', allow: ['user_root', 'host_namespace', 'host_path:/'] })).type, 'result');
    assert.equal((await ask(sock, { op: 'app.onboard', path: pkg })).type, 'error');

    const granted = await ask(sock, { op: 'app.allow', name: 'grabby', allow: ['user_root', 'host_namespace', 'host_path:/'] });
    assert.deepEqual((granted.result as { allowed: string[] }).allowed, ['cap:SYS_ADMIN', 'host_namespace', 'host_network', 'host_path:/', 'user_root']);
    const ok = await ask(sock, { op: 'app.onboard', path: pkg });
    assert.equal(ok.type, 'result', JSON.stringify(ok));
    assert.equal((ok.result as { status: string }).status, 'onboarded');
    await f.waitEvent((e) => e.tag === 'umec/app/grabby/policy', 'the policy event');

    const bad = await ask(sock, { op: 'app.allow', name: 'grabby', allow: ['everything'] });
    assert.equal(bad.type, 'error');
    assert.match(String(bad.message), /unknown exception "everything"/);

    // a package that asks for nothing special is on-boarded as before
    const plain = join(f.root, 'plain-1.0');
    await writePackage(plain, 'name: plain\nversion: "1.0"\ncontainers:\n  - name: web\n    image: localhost/plain/web:1.0\n    volumes: ["data:/data"]\n    user: "1000"\n');
    assert.equal((await ask(sock, { op: 'app.onboard', path: plain })).type, 'result');
  } finally {
    await f.stopAll();
  }
});
