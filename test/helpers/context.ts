import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFileClient } from '../../states/file-client.js';
import { TemplateRenderer } from '../../states/render.js';
import { ProcessRunner } from '../../states/drivers/exec.js';
import type { Drivers, StateContext } from '../../states/types.js';

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'umec-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function unavailable(what: string): never {
  throw new Error(`${what} driver not provided to this test context`);
}

const missing = new Proxy({}, { get: (_t, p) => () => unavailable(String(p)) });

/** A StateContext for calling one state function directly in a test. */
export function makeContext(o: {
  root?: string; test?: boolean; drivers?: Partial<Drivers>;
  grains?: Record<string, unknown>; pillar?: Record<string, unknown>; id?: string;
} = {}): StateContext {
  const renderer = new TemplateRenderer(o.root);
  const grains = o.grains ?? { id: 'test-box' };
  const pillar = o.pillar ?? {};
  const opts = { id: grains.id };
  return {
    test: o.test ?? false,
    id: o.id ?? 'test-id',
    sls: 'test',
    grains, pillar, opts,
    files: new LocalFileClient(o.root ?? tmpdir()),
    drivers: {
      pkg: missing as Drivers['pkg'],
      service: missing as Drivers['service'],
      users: missing as Drivers['users'],
      exec: new ProcessRunner(),
      ...o.drivers,
    },
    render: async (tpl, name, extra) => renderer.render(tpl, name, { grains, pillar, opts, ...extra }),
  };
}
