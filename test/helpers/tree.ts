import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CompileError, type Problem } from '../../lib/errors.js';
import { ProcessRunner } from '../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../states/drivers/shadow.js';
import { StateEngine } from '../../states/engine.js';
import { builtinModules } from '../../states/modules/index.js';
import { LocalSlsSource } from '../../states/sls/tree.js';
import type { Plan } from '../../states/compile.js';
import type { RunResults, StateModule } from '../../states/types.js';
import { FakePkgDriver } from '../doubles/fake-pkg.js';
import { FakeServiceDriver } from '../doubles/fake-service.js';
import { tempDir } from './context.js';

/** Writes `files` (path relative to dir → text) under dir. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
}

export interface TreeRun {
  root: string;
  /** A scratch directory for states to write into. */
  out: string;
  engine: StateEngine;
  apply(sls?: string[], o?: { test?: boolean; grains?: Record<string, unknown>; pillar?: Record<string, unknown> }): Promise<RunResults>;
  problems(sls?: string[], o?: { grains?: Record<string, unknown>; pillar?: Record<string, unknown> }): Promise<Problem[]>;
  /** The compiled plan (what `state show` prints), warnings included. */
  plan(sls?: string[], o?: { grains?: Record<string, unknown>; pillar?: Record<string, unknown> }): Promise<Plan>;
  cleanup(): Promise<void>;
}

/**
 * A state tree in a temp dir with a real engine (real file/cmd modules, fake
 * pkg/service drivers). `files` may use {{OUT}} for the scratch directory.
 */
export async function stateTree(files: Record<string, string>, extraModules: StateModule[] = []): Promise<TreeRun> {
  const { dir, cleanup } = await tempDir('umec-tree-');
  const root = join(dir, 'tree');
  const out = join(dir, 'out');
  await mkdir(out);
  await writeTree(root, Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replaceAll('{{OUT}}', out)])));
  const exec = new ProcessRunner();
  const engine = new StateEngine({
    modules: [...builtinModules(), ...extraModules],
    drivers: { exec, pkg: new FakePkgDriver(), service: new FakeServiceDriver(), users: new ShadowUserDriver({ runner: exec }) },
  });
  const req = (sls: string[] | undefined, o: { grains?: Record<string, unknown>; pillar?: Record<string, unknown> }) => ({
    source: new LocalSlsSource(root), sls, grains: { id: 'edge-1', os: 'Debian', ...o.grains }, pillar: o.pillar ?? {},
  });
  return {
    root, out, engine, cleanup,
    apply: (sls, o = {}) => engine.apply({ ...req(sls, o), test: o.test }),
    plan: (sls, o = {}) => engine.plan(req(sls, o)),
    problems: async (sls, o = {}) => {
      try {
        await engine.plan(req(sls, o));
      } catch (e) {
        if (e instanceof CompileError) return e.problems;
        throw e;
      }
      return [];
    },
  };
}

/** Results by state ID (first function of each ID), for terse assertions. */
export function byId(results: RunResults): Record<string, RunResults[string]> {
  const out: Record<string, RunResults[string]> = {};
  for (const r of Object.values(results)) out[r.__id__] ??= r;
  return out;
}
