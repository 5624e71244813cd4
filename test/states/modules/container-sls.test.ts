import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateTree } from '../../helpers/tree.js';

const FULL = `web:
  container.running:
    - image: localhost/cam/web:2
    - image_source: umec://images/web.tar
    - command: /bin/httpd -f
    - env: {LEVEL: 2, DEBUG: true}
    - ports: ["127.0.0.1:8080:80", {host_port: 5353, container_port: 53, protocol: udp}]
    - volumes: ["/srv/cam:/data:ro"]
    - restart: always
    - memory: 128Mi
    - cpus: 0.5
    - labels: {team: edge}
    - network_mode: bridge
    - healthcheck: {test: "wget -q -O- http://127.0.0.1/", interval: 2}
    - user: "1000"
    - read_only: true
    - cap_add: [NET_BIND_SERVICE]
    - update_strategy: kill-then-download
    - grace_period: 20
img:
  image.present:
    - name: localhost/cam/web:2
    - source: umec://images/web.tar
gone:
  container.absent: []
cam:
  app.deployed:
    - version: "1.2.0"
old:
  app.absent: []
`;

test('container, image and app states compile with every documented argument', async () => {
  const t = await stateTree({ 'main.sls': FULL });
  try {
    assert.deepEqual(await t.problems(['main']), []);
    assert.deepEqual((await t.plan(['main'])).warnings, []);
  } finally { await t.cleanup(); }
});

for (const [title, line, field, re] of [
  ['memory: lots', 'memory: lots', 'memory', /memory/],
  ['update_strategy: yolo', 'update_strategy: yolo', 'update_strategy', /one of/],
  ['ports: ["8080"]', 'ports: ["8080"]', 'ports', /ports/],
  ['healthcheck without test', 'healthcheck: {interval: 2}', 'healthcheck', /test/],
  ['misspelt argument', 'imag_source: x', 'imag_source', /unknown argument 'imag_source'/],
] as const) {
  test(`container.running flags bad input in the plan, naming line and field: ${title}`, async () => {
    const t = await stateTree({ 'main.sls': `web:\n  container.running:\n    - image: localhost/x:1\n    - ${line}\n` });
    try {
      const p = ((await t.plan(['main'])).warnings ?? []).find((x) => x.code === 'ARG_INVALID');
      assert.ok(p, 'an ARG_INVALID problem');
      assert.equal(p.line, 4);
      assert.equal(p.field, field);
      assert.match(p.message, re);
    } finally { await t.cleanup(); }
  });
}
