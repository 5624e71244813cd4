import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';
import { python } from '../salt/python.js';

const registry = new StateRegistry([fileModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });

type Run = (a: StateArgs, o?: { test?: boolean; pillar?: Record<string, unknown> }) => Promise<StateReturn>;

async function withDir(fn: (p: (...f: string[]) => string, run: Run) => Promise<void>) {
  const t = await tempDir('umec-serialize-');
  const run: Run = async (args, o = {}) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', 'serialize', own);
    assert.deepEqual(errors, []);
    return fileModule.functions.serialize.run({ ...valid, name }, makeContext({ root: t.dir, test: o.test ?? false, drivers: { users }, pillar: o.pillar }));
  };
  try { await fn((...f) => join(t.dir, ...f), run); } finally { await t.cleanup(); }
}

/*
 * The oracle: what Salt writes. salt.serializers.yaml is yaml.dump with a SafeDumper (file.serialize
 * passes default_flow_style=False), the final newline or "\n...\n" cut, then file.serialize adds "\n";
 * salt.serializers.json is json.dumps with ensure_ascii off and file.serialize's indent 2,
 * separators (',', ': '), sort_keys.
 */
const ORACLE = `
import json, sys, yaml
d = json.load(sys.stdin)
def salt_yaml(obj, **o):
    o.setdefault('default_flow_style', None)
    r = yaml.dump(obj, Dumper=yaml.SafeDumper, **o)
    if r.endswith('\\n...\\n'):
        r = r[:-5]
    elif r.endswith('\\n'):
        r = r[:-1]
    return r
out = {
  'yaml': salt_yaml(d, default_flow_style=False) + '\\n',
  'yaml_flow': salt_yaml(d, default_flow_style=True, width=40) + '\\n',
  'json': json.dumps(d, ensure_ascii=False, indent=2, separators=(',', ': '), sort_keys=True) + '\\n',
  'json4': json.dumps(d, ensure_ascii=False, indent=4, separators=(',', ': '), sort_keys=True) + '\\n',
}
print(json.dumps(out))
`;

const DATASETS: unknown[] = [
  {
    zeta: 1, alpha: { nested: [1, 2, { k: 'v' }], empty_list: [], empty_map: {} },
    strings: ['yes', 'no', 'on', '0644', '', 'null', '~', '1.5', 'a: b', '- x', '#c', 'multi\nline\n', ' lead', 'trail ', 'grüße', '日本', "it's", '"q"', 'x'.repeat(100)],
    long: 'word '.repeat(30).trim(),
    numbers: [0, -3, 1.5, 2.5e-7, 123456789012], flags: [true, false, null],
    '10': 'numeric key', 'with space': 'v', 'ünï': 'k',
  },
  ['a', ['b', ['c']], { x: null }],
  'just a string',
  42,
  { daemon: { 'log-driver': 'journald', 'storage-opts': ['dm.basesize=20G'], 'insecure-registries': [], ipv6: false, mtu: 1500 } },
];

test('serialize: yaml and json bytes are what Salt\'s serializers write (python3 yaml/json as the oracle)', async () => {
  await withDir(async (p, run) => {
    for (const [i, data] of DATASETS.entries()) {
      const want = python<{ yaml: string; yaml_flow: string; json: string; json4: string }>(ORACLE, data);
      const cases: [string, Record<string, unknown>, string][] = [
        ['yaml', { formatter: 'yaml' }, want.yaml],
        ['yaml_flow', { formatter: 'YAML', serializer_opts: [{ default_flow_style: true }, { width: 40 }] }, want.yaml_flow],
        ['json', { formatter: 'json' }, want.json],
        ['json4', { serializer: 'json', serializer_opts: [{ indent: 4 }] }, want.json4],
      ];
      for (const [label, args, expected] of cases) {
        const f = p(`${label}-${i}`);
        const r = await run({ name: f, dataset: data, ...args });
        assert.equal(r.result, true, `${label} ${i}: ${r.comment}`);
        assert.equal(await readFile(f, 'utf8'), expected, `${label} dataset ${i}`);
      }
    }
  });
});

test('serialize: new file, idempotent second run, test-mode prediction, change with a diff', async () => {
  await withDir(async (p, run) => {
    const f = p('etc', 'daemon.json');
    const args = { name: f, formatter: 'json', dataset: { b: 1, a: [1, 2] }, user: 'root', group: 'root', mode: '0640', makedirs: true };
    const dry = await run(args, { test: true });
    assert.equal(dry.result, null);
    assert.equal(dry.comment, `Dataset will be serialized and stored into ${f}`);
    assert.equal(existsSync(f), false);
    const r = await run(args);
    assert.equal(r.result, true);
    assert.equal(r.comment, `File ${f} updated`);
    assert.deepEqual(r.changes, { diff: 'New file', mode: '0640', user: 'root', group: 'root' });
    assert.equal(await readFile(f, 'utf8'), '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n');
    assert.equal((await stat(f)).mode & 0o7777, 0o640);
    const again = await run(args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, `File ${f} is in the correct state`]);
    const dryAgain = await run(args, { test: true });
    assert.deepEqual([dryAgain.result, dryAgain.changes], [true, {}]);
    const changed = await run({ ...args, dataset: { b: 2, a: [1, 2] } });
    assert.equal(changed.result, true);
    assert.match(String(changed.changes.diff), /^- {2}"b": 1$/m);
    assert.match(String(changed.changes.diff), /^\+ {2}"b": 2$/m);
  });
});

test('serialize: dataset_pillar, merge_if_exists (recursive, lists replaced), create false', async () => {
  await withDir(async (p, run) => {
    const f = p('conf.yaml');
    const pillar = { app: { conf: { server: { port: 80 }, names: ['a'] } } };
    const r = await run({ name: f, dataset_pillar: 'app:conf' }, { pillar });
    assert.equal(r.result, true);
    assert.equal(await readFile(f, 'utf8'), 'names:\n- a\nserver:\n  port: 80\n');
    await writeFile(f, 'keep: me\nserver:\n  host: x\n  port: 80\nnames: [z, y]\n');
    const merged = await run({ name: f, dataset: { server: { port: 8080 }, names: ['b'] }, merge_if_exists: true });
    assert.equal(merged.result, true);
    assert.equal(await readFile(f, 'utf8'), 'keep: me\nnames:\n- b\nserver:\n  host: x\n  port: 8080\n');
    const same = await run({ name: f, dataset: { server: { port: 8080 } }, merge_if_exists: true });
    assert.deepEqual([same.result, same.changes, same.comment], [true, {}, `The file ${f} is in the correct state`]);
    const absent = p('absent.yaml');
    const nc = await run({ name: absent, dataset: { a: 1 }, create: false });
    assert.deepEqual([nc.result, nc.comment], [true, `File ${absent} is not present and is not set for creation`]);
    assert.equal(existsSync(absent), false);
  });
});

test('serialize: bad input fails with Salt\'s comments, naming what is wrong', async () => {
  await withDir(async (p, run) => {
    const f = p('x');
    assert.equal((await run({ name: f })).comment, "Neither 'dataset' nor 'dataset_pillar' was defined");
    assert.equal((await run({ name: f, dataset: { a: 1 }, dataset_pillar: 'a' })).comment, "Only one of 'dataset' and 'dataset_pillar' is permitted");
    assert.equal((await run({ name: f, dataset: { a: 1 }, formatter: 'toml2' })).comment,
      'The toml2 serializer could not be found. It either does not exist or its prerequisites are not installed.');
    assert.equal((await run({ name: f, dataset: { a: 1 }, formatter: 'json', serializer: 'yaml' })).comment, 'Only one of serializer and formatter are allowed');
    const opt = await run({ name: f, dataset: { a: 1 }, formatter: 'json', serializer_opts: [{ cls: 'x' }] });
    assert.equal(opt.result, false);
    assert.match(opt.comment, /json serializer option cls is not supported/);
    const enc = await run({ name: f, dataset: { a: 1 }, encoding: 'utf-16' });
    assert.equal(enc.comment, 'file.serialize encoding utf-16 is not supported by umec (utf-8 and ascii are)');
    await writeFile(f, '{not json');
    const broken = await run({ name: f, dataset: { a: 1 }, formatter: 'json', merge_if_exists: true });
    assert.equal(broken.result, false);
    assert.match(broken.comment, /^Failed to deserialize existing data: /);
    assert.equal(await readFile(f, 'utf8'), '{not json');
  });
});
