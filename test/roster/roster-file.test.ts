import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UmecError } from '../../lib/errors.js';
import { loadRoster } from '../../roster/roster-file.js';
import { selectTargets } from '../../roster/targeting.js';
import { tempDir } from '../helpers/context.js';
import { writeTree } from '../helpers/tree.js';

async function withRoster(text: string, fn: (file: string, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-roster-');
  try {
    await writeTree(dir, { 'roster.yaml': text });
    await fn(join(dir, 'roster.yaml'), dir);
  } finally { await cleanup(); }
}

test('entries take roster_defaults, then built-in defaults; relative paths are relative to the roster file', async () => {
  await withRoster([
    'roster_defaults:', '  user: admin', '  priv: keys/id_ed25519', '  sudo: true', '  grains: {site: north}',
    'edge-1:', '  host: 10.0.0.1', '  grains: {role: camera}',
    'edge-2:', '  host: 10.0.0.2', '  port: 2222', '  user: root', '  sudo: false', '  thin_dir: /opt/umec-thin', '  priv: ~/.ssh/other',
  ].join('\n'), async (file, dir) => {
    const r = await loadRoster(file);
    const e1 = r.entries.get('edge-1')!;
    assert.deepEqual({ port: e1.port, user: e1.user, sudo: e1.sudo, timeout: e1.timeout, priv: e1.priv, thin: e1.thin_dir },
      { port: 22, user: 'admin', sudo: true, timeout: 10, priv: join(dir, 'keys/id_ed25519'), thin: '/var/tmp/.umec_admin' });
    assert.deepEqual(e1.grains, { site: 'north', role: 'camera' });
    assert.equal(e1.known_hosts, join(homedir(), '.ssh/known_hosts'));
    const e2 = r.entries.get('edge-2')!;
    assert.deepEqual({ port: e2.port, user: e2.user, sudo: e2.sudo, thin: e2.thin_dir, priv: e2.priv },
      { port: 2222, user: 'root', sudo: false, thin: '/opt/umec-thin', priv: join(homedir(), '.ssh/other') });
    assert.deepEqual(selectTargets(r, 'edge-*', 'glob').map((e) => e.id), ['edge-1', 'edge-2']);
    assert.deepEqual(selectTargets(r, 'role:camera', 'grain').map((e) => e.id), ['edge-1']);
    assert.deepEqual(selectTargets(r, 'edge-2,nope', 'list').map((e) => e.id), ['edge-2']);
    assert.deepEqual(selectTargets(r, 'G@site:north and not edge-1', 'compound').map((e) => e.id), ['edge-2']);
  });
});

for (const [what, text, want] of [
  ['a port that is not a number names entry, field and line', 'edge-1:\n  host: a\n  port: ssh\n', /roster\.yaml:3: edge-1\.port must be integer/],
  ['a misspelt key is refused', 'edge-1:\n  host: a\n  prot: 22\n', /roster\.yaml:3: edge-1\.prot unknown key/],
  ['an entry without host', 'edge-1:\n  user: root\n', /edge-1\.host is required/],
  ['an entry that is not a mapping', 'edge-1: 10.0.0.1\n', /roster\.yaml:1: edge-1 must be object/],
  ['a YAML syntax error gives its line', 'edge-1:\n  host: [a\n', /roster\.yaml:\d+/],
  ['sudo that is not a boolean', 'roster_defaults:\n  sudo: maybe\nedge-1:\n  host: a\n', /roster\.yaml:2: roster_defaults\.sudo must be boolean/],
] as const) {
  test(`roster errors: ${what}`, async () => {
    await withRoster(text, async (file) => {
      await assert.rejects(loadRoster(file), (e: unknown) => {
        assert.ok(e instanceof UmecError);
        assert.equal(e.code, 'ROSTER');
        assert.match(e.message, want);
        return true;
      });
    });
  });
}

test('a roster file that does not exist is a clear error', async () => {
  await assert.rejects(loadRoster('/nonexistent/roster.yaml'), /\/nonexistent\/roster\.yaml: cannot read/);
});
