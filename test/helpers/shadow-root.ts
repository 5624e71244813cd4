import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from '../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../states/drivers/shadow.js';
import { StateRegistry } from '../../states/registry.js';
import type { StateArgs, StateModule, StateReturn } from '../../states/types.js';
import { makeContext, tempDir } from './context.js';

const accountFiles = ['passwd', 'group', 'shadow', 'gshadow'];

/** A temporary root holding only root's lines of passwd/group/shadow/gshadow plus login.defs. */
export async function makeRoot(prefix: string): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir(prefix);
  await mkdir(join(dir, 'etc'));
  for (const f of accountFiles) {
    const line = (await readFile(`/etc/${f}`, 'utf8')).split('\n').find((l) => l.startsWith('root:'));
    await writeFile(join(dir, 'etc', f), `${line ?? 'root:x:0:'}\n`, { mode: f.endsWith('shadow') ? 0o640 : 0o644 });
  }
  await copyFile('/etc/login.defs', join(dir, 'etc', 'login.defs'));
  return { root: dir, cleanup };
}

/** The account files under root, in the order passwd, group, shadow, gshadow. */
export async function etcSnapshot(root: string): Promise<string[]> {
  return Promise.all(accountFiles.map((f) => readFile(join(root, 'etc', f), 'utf8')));
}

/** Registers hooks asserting that the test file left the real system's account files alone. */
export function guardHostAccounts(): void {
  const hostFiles = accountFiles.map((f) => `/etc/${f}`);
  const hostBefore = new Map<string, string>();
  before(async () => { for (const f of hostFiles) hostBefore.set(f, await readFile(f, 'utf8').catch(() => '')); });
  after(async () => {
    for (const f of hostFiles) assert.equal(await readFile(f, 'utf8').catch(() => ''), hostBefore.get(f), `${f} of the real system changed`);
  });
}

export interface StateEnv {
  root: string;
  driver: ShadowUserDriver;
  state(fun: string, args: StateArgs, testMode?: boolean): Promise<StateReturn>;
}

/**
 * Runs fn against a fresh temporary root with a real ShadowUserDriver; `state` calls
 * one of module's functions the way the executor does. `prepare` runs first, inside the cleanup.
 */
export async function withStateRoot(module: StateModule, fn: (env: StateEnv) => Promise<void>,
  prepare: (driver: ShadowUserDriver) => Promise<void> = async () => {}): Promise<void> {
  const { root, cleanup } = await makeRoot(`umec-${module.name}-`);
  const driver = new ShadowUserDriver({ runner: new ProcessRunner(), root });
  const registry = new StateRegistry([module]);
  const state = async (fun: string, args: StateArgs, testMode = false): Promise<StateReturn> => {
    // Like the executor: validate the function's own arguments (defaults filled), then add name.
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate(module.name, fun, own);
    assert.deepEqual(errors, []);
    return module.functions[fun].run({ ...valid, name }, makeContext({ test: testMode, drivers: { users: driver } }));
  };
  try {
    await prepare(driver);
    await fn({ root, driver, state });
  } finally { await cleanup(); }
}
