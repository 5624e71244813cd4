import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layering rules of docs/ARCHITECTURE.md, checked on every import of every source file:
 * lib ← states / firmware ← roster / agent / master ← cli. Agent and master meet only on the wire.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAY_IMPORT: Record<string, string[]> = {
  lib: ['lib'],
  states: ['lib', 'states'],
  firmware: ['lib', 'firmware'],
  roster: ['lib', 'states', 'roster'],
  agent: ['lib', 'states', 'firmware', 'agent'],
  master: ['lib', 'states', 'firmware', 'master'],
  cli: ['lib', 'states', 'firmware', 'roster', 'agent', 'master', 'cli'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'example-tree' || n === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

test('every import follows the layering rules (lib ← states/firmware ← roster/agent/master ← cli)', () => {
  const broken: string[] = [];
  for (const [layer, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sources(join(ROOT, layer))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        const target = relative(ROOT, resolve(dirname(file), spec)).split('/')[0];
        if (!allowed.includes(target)) {
          const line = text.slice(0, m.index).split('\n').length;
          broken.push(`${relative(ROOT, file)}:${line}: ${layer}/ imports ${spec} (${target}/ is not below ${layer}/)`);
        }
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('the layering check sees a forbidden import', () => {
  const sample = "import { x } from '../agent/daemon.js';\nconst y = await import('../master/core.js');";
  const specs = [...sample.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
  assert.deepEqual(specs, ['../agent/daemon.js', '../master/core.js']);
});
