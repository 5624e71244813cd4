import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TemplateError, TemplateRenderer } from '../../states/render.js';
import { matchTarget } from '../../states/match.js';
import { stateTree } from '../helpers/tree.js';

const ctx = (grains: Record<string, unknown> = {}, pillar: Record<string, unknown> = {}) => ({ grains, pillar, opts: { id: 'box' } });

test('a Salt formula map.jinja works: import_yaml, grains.filter_by with merge from pillar, from-import with context', async () => {
  const t = await stateTree({
    'nginx/defaults.yaml': "port: 80\nuser: {{ 'www-data' }}\n",
    'nginx/map.jinja': `{% import_yaml tpldir ~ '/defaults.yaml' as defaults %}
{% set nginx = salt['grains.filter_by']({
    'Debian': {'conf': '/etc/nginx/nginx.conf', 'pkg': 'nginx-light'},
    'RedHat': {'conf': '/etc/nginx/conf.d/default.conf', 'pkg': 'nginx'},
  }, grain='os_family', merge=salt['pillar.get']('nginx:lookup', {})) %}
{% do nginx.update({'extra': true}) %}`,
    'nginx/init.sls': `{% from 'nginx/map.jinja' import nginx, defaults with context %}
{{OUT}}/nginx.conf:
  file.managed:
    - contents: "{{ nginx.pkg }} {{ nginx.conf }} {{ defaults.port }} {{ defaults.user }} {{ nginx.extra }}"
`,
  });
  try {
    const results = await t.apply(['nginx'], { grains: { os_family: 'Debian' }, pillar: { nginx: { lookup: { pkg: 'nginx-full' } } } });
    assert.ok(Object.values(results).every((r) => r.result === true), JSON.stringify(results));
    assert.equal(await readFile(`${t.out}/nginx.conf`, 'utf8'), 'nginx-full /etc/nginx/nginx.conf 80 www-data True\n');
  } finally { await t.cleanup(); }
});

test('grains.filter_by falls back to the default key and honours base', () => {
  const r = new TemplateRenderer();
  const tpl = "{{ salt['grains.filter_by']({'default': {'a': 1, 'b': 2}, 'Arch': {'b': 3}}, grain='os', base='default') | json }}";
  assert.equal(r.render(tpl, 't', ctx({ os: 'Arch' })), '{"a": 1, "b": 3}');
  assert.equal(r.render(tpl, 't', ctx({ os: 'Debian' })), '{"a": 1, "b": 2}');
});

test('load_yaml and load_json blocks bind parsed data', () => {
  const r = new TemplateRenderer();
  const tpl = '{% load_yaml as cfg %}\nports: [80, 443]\nname: {{ grains.id }}\n{% endload %}{% load_json as j %}{"x": true}{% endload %}{{ cfg.ports[1] }} {{ cfg.name }} {{ j.x }}';
  assert.equal(r.render(tpl, 't', ctx({ id: 'edge-3' })), '443 edge-3 True');
});

test('pillar.get/grains.get take defaults positionally or by keyword and nested keys', () => {
  const r = new TemplateRenderer();
  const out = r.render("{{ salt['pillar.get']('a:b') }} {{ salt['pillar.get']('a:x', 'd1') }} {{ salt['grains.get']('n', default='d2') }} {{ salt['config.get']('a:b') }}",
    't', ctx({}, { a: { b: 'deep' } }));
  assert.equal(out, 'deep d1 d2 deep');
});

test('a grain that does not exist never matches, even with a match-anything value', () => {
  assert.equal(matchTarget('nosuch:*', 'grain', { id: 'x', grains: { os: 'Debian' }, pillar: {} }), false);
});

test('Salt\'s context: globals seen by templates imported without context, tpldir of the imported file, sls paths', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'umec-render-'));
  try {
    await mkdir(join(dir, 'f/sub'), { recursive: true });
    await writeFile(join(dir, 'f/map.jinja'), "{% set where = tpldir ~ ' ' ~ grains.os ~ ' ' ~ salt['pillar.get']('p') %}");
    await writeFile(join(dir, 'f/bad.jinja'), '{% set ok = 1 %}\n{% set x = salt.mine.nope() %}\n');
    const r = new TemplateRenderer(dir);
    const c = { ...ctx({ os: 'Debian' }, { p: 'pv' }), sls: 'f.sub' };
    const out = r.render("{% from 'f/map.jinja' import where %}{{ where }} {{ tpldir }} {{ slspath }} {{ sls_path }} {{ slsdotpath }} {{ tplfile }} {{ salt.file.dirname('/a/b') }}\n",
      join(dir, 'f/sub/init.sls'), c);
    assert.equal(out, 'f Debian pv f/sub f/sub f_sub f.sub f/sub/init.sls /a\n', 'the final newline Jinja drops is put back');
    assert.throws(() => r.render("{% from 'f/bad.jinja' import ok %}", join(dir, 'f/sub/init.sls'), c),
      (e: unknown) => e instanceof TemplateError && e.file === 'f/bad.jinja' && e.line === 2 && /salt function mine.nope is not provided/.test(e.details.reason as string));
    assert.equal(r.render("{{ {'b': [1, 2], 'a': 'x'}|yaml }} {{ [True, None]|json }}", 't', c), '{a: x, b: [1, 2]} [true, null]');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cp.list_master_dirs / list_master / list_states list the state tree as Salt\'s fileserver does (sorted, prefix with slashes stripped)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'umec-cp-'));
  try {
    for (const f of ['users/init.sls', 'users/map.jinja', 'users/files/user/buser/.bashrc', 'users/files/user/auser/x', 'users/files/userx/y', 'top.sls', 'web/nginx.sls']) {
      await mkdir(join(root, f, '..'), { recursive: true });
      await writeFile(join(root, f), '');
    }
    await mkdir(join(root, 'users/files/user/empty'));
    const r = new TemplateRenderer(root);
    const show = (tpl: string) => r.render(`{{ ${tpl} | json }}`, 't', ctx());
    assert.equal(show("salt['cp.list_master_dirs'](prefix='users/files/user/')"),
      '["users/files/user", "users/files/user/auser", "users/files/user/buser", "users/files/user/empty", "users/files/userx"]');
    assert.ok(JSON.parse(show("salt['cp.list_master_dirs']()")).includes('.'), 'the root itself is listed as "."');
    assert.equal(show("salt.cp.list_master(prefix='web')"), '["web/nginx.sls"]');
    assert.equal(show("salt['cp.list_states']()"), '["top", "users", "web.nginx"]');
    assert.equal(show("salt['cp.list_master_dirs']('dev')"), '[]', 'another saltenv holds nothing here');
    assert.throws(() => new TemplateRenderer().render("{{ salt['cp.list_states']() }}", 't', ctx()), /cp\.list_states is not provided/);
  } finally { await rm(root, { recursive: true, force: true }); }
});
