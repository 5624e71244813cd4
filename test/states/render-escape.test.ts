import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateRenderer } from '../../states/render.js';
import { isInside } from '../../states/tree-path.js';
import { tempDir } from '../helpers/context.js';

const ctx = (sls = 'app') => ({ grains: { id: 'box' }, pillar: {}, opts: {}, sls });

/**
 * Issue 15: rendering must not leave the state tree. The tree is `<tmp>/tree`; next to it
 * lies `<tmp>/tree-secret`, whose name starts with the tree's (a string-prefix check lets it in).
 */
async function trees(t: { after: (fn: () => Promise<void>) => void }) {
  const { dir, cleanup } = await tempDir('umec-render-escape-');
  t.after(cleanup);
  const root = join(dir, 'tree');
  mkdirSync(join(root, 'app'), { recursive: true });
  mkdirSync(join(dir, 'tree-secret'));
  writeFileSync(join(dir, 'tree-secret', 'x'), 'k: SECRET\n');
  writeFileSync(join(root, 'app', 'defaults.yaml'), 'k: inside\n');
  symlinkSync(join(dir, 'tree-secret', 'x'), join(root, 'leak.yaml'));
  symlinkSync(join(dir, 'tree-secret'), join(root, 'leakdir'));
  symlinkSync(join(root, 'app', 'defaults.yaml'), join(root, 'alias.yaml'));
  return { root, renderer: new TemplateRenderer(root) };
}

test('paths compare whole components: a sibling directory named like the tree is outside', () => {
  assert.equal(isInside('/srv/tree', '/srv/tree-secret/x'), false);
  assert.equal(isInside('/srv/tree', '/srv/tree/../tree-secret/x'), false);
  assert.equal(isInside('/srv/tree/', '/srv/tree'), true);
  assert.equal(isInside('/srv/tree', '/srv/tree/a/..b'), true);
  assert.equal(isInside('/srv/tree', '/srv/tree/..b'), true);
});

test('import_yaml/json/text and includes never read outside the tree, by .. or by a symlink', async (t) => {
  const { renderer } = await trees(t);
  for (const src of [
    "{% import_yaml '../tree-secret/x' as s %}{{ s }}",
    "{% import_yaml './../tree-secret/x' as s %}{{ s }}",
    "{% import_json '../../tree-secret/x' as s %}{{ s }}",
    "{% import_text '../tree-secret/x' as s %}{{ s }}",
    "{% import_yaml 'leak.yaml' as s %}{{ s }}",
    "{% import_text 'leakdir/x' as s %}{{ s }}",
    "{% include 'leak.yaml' %}",
    "{% from 'leakdir/x' import k %}{{ k }}",
  ]) {
    assert.throws(() => renderer.render(src, 'app/init.sls', ctx('app')), (e: Error) => {
      assert.doesNotMatch(e.message, /SECRET/, src);
      assert.match(e.message, /TemplateNotFound/, src);
      return true;
    }, src);
  }
  const leak = () => renderer.render("{% import_yaml 'leak.yaml' as s %}{{ s }}", 'app/init.sls', ctx('app'));
  assert.throws(leak, /leak\.yaml resolves to .*tree-secret\/x, outside the state tree/);
});

test('slsutil.renderer path= stays in the tree too (it read any file before)', async (t) => {
  const { renderer } = await trees(t);
  for (const path of ['../tree-secret/x', 'salt://../tree-secret/x', 'leak.yaml', 'leakdir/x', '/../tree-secret/x']) {
    const src = `{{ salt['slsutil.renderer'](path='${path}') }}`;
    assert.throws(() => renderer.render(src, 'init.sls', ctx('init')), (e: Error) => {
      assert.doesNotMatch(e.message, /SECRET/, path);
      assert.match(e.message, /outside the state tree|not in the state tree/, path);
      return true;
    }, path);
  }
});

test('nothing lost: files and symlinks inside the tree still load', async (t) => {
  const { renderer } = await trees(t);
  assert.equal(renderer.render("{% import_yaml 'alias.yaml' as s %}{{ s.k }}", 'app/init.sls', ctx('app')), 'inside');
  assert.equal(renderer.render("{% import_yaml tpldir ~ '/defaults.yaml' as s %}{{ s.k }}", 'app/init.sls', ctx('app')), 'inside');
  assert.equal(renderer.render("{% import_yaml './defaults.yaml' as s %}{{ s.k }}", 'app/init.sls', ctx('app')), 'inside');
  assert.equal(renderer.render("{{ salt['slsutil.renderer'](path='salt://app/defaults.yaml').k }}", 'init.sls', ctx('init')), 'inside');
});

test('templates never reach JavaScript objects: constructor, prototype, __proto__ give Jinja2\'s undefined/unsafe errors', async (t) => {
  const { renderer } = await trees(t);
  const cases: Array<[string, RegExp]> = [
    ["{{ ''.constructor.constructor('return process')() }}", /UndefinedError: 'str object' has no attribute 'constructor'/],
    ['{{ range.constructor }}', /UndefinedError: 'function object' has no attribute 'constructor'/],
    ['{{ lipsum.prototype }}', /UndefinedError: 'function object' has no attribute 'prototype'/],
    ['{{ grains.__proto__ }}', /UndefinedError: 'dict object' has no attribute '__proto__'/],
    ["{{ grains['__proto__'] }}", /UndefinedError: 'dict object' has no attribute '__proto__'/],
    ["{{ ''|attr('__class__') }}", /TemplateRuntimeError: access to attribute '__class__' of 'str' object is unsafe\./],
    ["{{ '{0.__class__}'.format('') }}", /TemplateRuntimeError: access to attribute '__class__' of 'str' object is unsafe\./],
    ['{{ cycler(1).__init__ }}', /TemplateRuntimeError: access to attribute '__init__' of 'Cycler' object is unsafe\./],
  ];
  for (const [src, want] of cases) assert.throws(() => renderer.render(src, 'init.sls', ctx('init')), want, src);
  assert.equal(renderer.render("{{ {'_x': 1}._x }}", 'init.sls', ctx('init')), '1', 'a dict item named with _ is data, not an attribute');
});
