import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalCompound, matchTarget } from '../../states/match.js';
import { UmecError } from '../../lib/errors.js';

const box = { id: 'edge-7.site-a', grains: { os: 'Debian', roles: ['camera', 'gw'], hw: { board: 'rpi4' } }, pillar: { tier: 'prod' } };

test('glob matches ids, dots included', () => {
  assert.ok(matchTarget('edge-*', 'glob', box));
  assert.ok(matchTarget('edge-?.site-*', 'glob', box));
  assert.ok(!matchTarget('core-*', 'glob', box));
});

test('grain matcher: nested keys, list grains, globbed values', () => {
  assert.ok(matchTarget('hw:board:rpi*', 'grain', box));
  assert.ok(matchTarget('roles:gw', 'grain', box));
  assert.ok(!matchTarget('roles:db', 'grain', box));
  assert.ok(!matchTarget('nosuch:x', 'grain', box));
});

test('compound: and/or/not with precedence and parentheses, every prefix', () => {
  assert.ok(evalCompound('G@os:Debian and edge-*', box));
  assert.ok(evalCompound('core-* or G@roles:camera', box));
  assert.ok(!evalCompound('G@os:Debian and not edge-*', box));
  assert.ok(evalCompound('not core-*', box));
  assert.ok(evalCompound('L@a,edge-7.site-a', box));
  assert.ok(evalCompound('E@edge-\\d+\\.site', box));
  assert.ok(evalCompound('P@hw:board:^rpi\\d$', box));
  assert.ok(evalCompound('I@tier:prod and ( core-* or G@os:Deb* )', box));
  assert.ok(!evalCompound('core-* or G@os:Arch and edge-*', box), 'and binds tighter than or');
});

test('compound syntax errors are reported', () => {
  assert.throws(() => evalCompound('edge-* and', box), /TARGET_SYNTAX|unexpected end/);
  assert.throws(() => evalCompound('(edge-*', box), /missing \)/);
  assert.throws(() => evalCompound('X@foo', box), /unsupported matcher/);
});

test('a compound target nested too deep or too long is refused with a clear error at a fixed depth, never a stack overflow', async () => {
  const { MAX_TARGET_DEPTH, MAX_TARGET_LENGTH } = await import('../../states/match.js');
  const nest = (n: number) => `${'('.repeat(n)}edge-*${')'.repeat(n)}`;
  assert.equal(evalCompound(nest(MAX_TARGET_DEPTH), box), evalCompound('edge-*', box));
  for (const deep of [nest(MAX_TARGET_DEPTH + 1), nest(5000), `${'not '.repeat(5000)}edge-*`]) {
    assert.throws(() => evalCompound(deep, box), (e: unknown) => e instanceof UmecError && e.code === 'TARGET_SYNTAX'
      && /nested deeper than 100 levels/.test(e.message) && e.message.length < 400);
  }
  assert.throws(() => evalCompound(`L@${'a,'.repeat(MAX_TARGET_LENGTH / 2)}b`, box), /longer than 1048576 characters/);
});
