import type { ServiceDriver, ServiceStatus, StateArgs, StateContext, StateModule, StateReturn } from '../types.js';

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function ret(name: string, result: boolean | null, comment: string, changes: Record<string, unknown> = {}): StateReturn {
  return { name, result, changes, comment };
}

function notAvailable(name: string): string {
  return `The named service ${name} is not available`;
}

async function query(driver: ServiceDriver, name: string): Promise<ServiceStatus | string> {
  try {
    return await driver.status(name);
  } catch (e) {
    return `Failed to query service ${name}: ${errMsg(e)}`;
  }
}

/**
 * Brings the enable flag to `want` (if given) after the active state is settled.
 * Returns the comment line and whether something changed; throws on driver errors.
 */
async function applyEnable(driver: ServiceDriver, name: string, st: ServiceStatus, want: boolean | undefined,
  test: boolean, running: string): Promise<{ line?: string; changed: boolean }> {
  if (want === undefined) return { changed: false };
  if (want === st.enabled) {
    return { line: `Service ${name} is already ${want ? 'enabled' : 'disabled'}, and is ${running}`, changed: false };
  }
  if (test) return { line: `Service ${name} set to be ${want ? 'enabled' : 'disabled'}`, changed: true };
  if (want) await driver.enable(name); else await driver.disable(name);
  return { line: `Service ${name} has been ${want ? 'enabled' : 'disabled'}, and is ${running}`, changed: true };
}

/** How running/dead differ: the wanted active state, its wording and the driver call that reaches it. */
interface Target {
  active: boolean;
  word: 'running' | 'dead';
  missingResult: boolean;
  ifCreated: string;
  already: (name: string) => string;
  pending: (name: string) => string;
  done: (name: string) => string;
  failed: (name: string) => string;
  act: (driver: ServiceDriver, name: string) => Promise<void>;
}

/** A missing unit fails; in test mode the result stays open, as an earlier state in the run (pkg.installed) may provide it. */
const RUNNING: Target = {
  active: true, word: 'running', missingResult: false, ifCreated: 'started', act: (d, n) => d.start(n),
  already: (n) => `The service ${n} is already running`, pending: (n) => `Service ${n} is set to start`,
  done: (n) => `Started service ${n}`, failed: (n) => `Service ${n} failed to start`,
};

/** A missing unit succeeds: a service that does not exist is not running, the desired state. */
const DEAD: Target = {
  active: false, word: 'dead', missingResult: true, ifCreated: 'stopped', act: (d, n) => d.stop(n),
  already: (n) => `The service ${n} is already dead`, pending: (n) => `Service ${n} is set to be killed`,
  done: (n) => `Service ${n} was killed`, failed: (n) => `Service ${n} failed to die`,
};

/** Brings the service to the target's active state, then applies `enable`. */
async function converge(args: StateArgs, ctx: StateContext, t: Target): Promise<StateReturn> {
  const name = args.name;
  const enable = args.enable as boolean | undefined;
  const driver = ctx.drivers.service;
  // Salt: systemd present but not booted (a chroot) -> nothing to do, successfully
  if (await driver.offline?.()) return ret(name, true, 'Running in OFFLINE mode. Nothing to do');
  const st = await query(driver, name);
  if (typeof st === 'string') return ret(name, false, st);
  if (!st.exists) {
    if (ctx.test) return ret(name, null, `Service ${name} not present; if created in this state run, it would have been ${t.ifCreated}`);
    return ret(name, t.missingResult, notAvailable(name));
  }
  const lines: string[] = [];
  let changed = false;
  try {
    if (st.active === t.active) {
      lines.push(t.already(name));
    } else if (ctx.test) {
      lines.push(t.pending(name));
      changed = true;
    } else {
      await t.act(driver, name);
      const now = await driver.status(name);
      if (now.active !== t.active) return ret(name, false, t.failed(name));
      lines.push(t.done(name));
      changed = true;
    }
    const en = await applyEnable(driver, name, st, enable, ctx.test, t.word);
    if (en.line) lines.push(en.line);
    changed ||= en.changed;
  } catch (e) {
    return ret(name, false, errMsg(e), changed ? { [name]: true } : {});
  }
  return ret(name, ctx.test && changed ? null : true, lines.join('\n'), changed ? { [name]: true } : {});
}

function enableFn(want: boolean) {
  const word = want ? 'enabled' : 'disabled';
  return async (args: StateArgs, ctx: StateContext): Promise<StateReturn> => {
    const name = args.name;
    const driver = ctx.drivers.service;
    const st = await query(driver, name);
    if (typeof st === 'string') return ret(name, false, st);
    if (!st.exists) return ret(name, false, notAvailable(name));
    if (st.enabled === want) return ret(name, true, `Service ${name} is already ${word}, and is in the desired state`);
    if (ctx.test) return ret(name, null, `Service ${name} set to be ${word}`, { [name]: true });
    try {
      if (want) await driver.enable(name); else await driver.disable(name);
    } catch (e) {
      return ret(name, false, `Failed to ${want ? 'enable' : 'disable'} service ${name}: ${errMsg(e)}`);
    }
    return ret(name, true, `Service ${name} has been ${word}, and is in the desired state`, { [name]: true });
  };
}

/** A watched state changed: restart (or reload) a running service, start a stopped one. */
async function runningModWatch(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const driver = ctx.drivers.service;
  const reload = args.reload === true;
  const st = await query(driver, name);
  if (typeof st === 'string') return ret(name, false, st);
  if (!st.exists) {
    if (ctx.test) return ret(name, null, `Service ${name} not present; if created in this state run, it would have been started`);
    return ret(name, false, notAvailable(name));
  }
  const verb = st.active ? (reload ? 'reload' : 'restart') : 'start';
  const past = verb === 'reload' ? 'reloaded' : verb === 'restart' ? 'restarted' : 'started';
  if (ctx.test) return ret(name, null, `Service is set to be ${past}`, { [name]: true });
  try {
    if (verb === 'reload') await driver.reload(name);
    else if (verb === 'restart') await driver.restart(name);
    else await driver.start(name);
  } catch (e) {
    return ret(name, false, `Failed to ${verb} service ${name}: ${errMsg(e)}`);
  }
  const lines = [`Service ${past}`];
  try {
    const en = await applyEnable(driver, name, st, args.enable as boolean | undefined, false, 'running');
    if (en.changed && en.line) lines.push(en.line);
  } catch (e) {
    return ret(name, false, `Service ${past}, but: ${errMsg(e)}`, { [name]: true });
  }
  return ret(name, true, lines.join('\n'), { [name]: true });
}

/** A watched state changed and the service should be dead: stop it if it runs, else nothing to do. */
async function deadModWatch(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const driver = ctx.drivers.service;
  const st = await query(driver, name);
  if (typeof st === 'string') return ret(name, false, st);
  if (!st.exists || !st.active) return ret(name, true, 'Service is already stopped');
  if (ctx.test) return ret(name, null, 'Service is set to be stopped', { [name]: true });
  try {
    await driver.stop(name);
  } catch (e) {
    return ret(name, false, `Failed to stop service ${name}: ${errMsg(e)}`);
  }
  return ret(name, true, 'Service stopped', { [name]: true });
}

/** Salt's service.masked / service.unmasked (systemd): a mask is a unit link to /dev/null. */
function maskFn(want: boolean) {
  return async (args: StateArgs, ctx: StateContext): Promise<StateReturn> => {
    const name = args.name;
    const runtime = args.runtime === true;
    const driver = ctx.drivers.service;
    if (!driver.masked || !driver.mask || !driver.unmask) return ret(name, false, 'Service masking not available on this minion');
    const maskType = runtime ? 'runtime masked' : 'masked';
    const word = want ? maskType : runtime ? 'runtime unmasked' : 'unmasked';
    const expected = { [maskType]: { old: !want, new: want } };
    try {
      if (await driver.masked(name, runtime) === want) {
        return ret(name, true, want ? `Service ${name} is already ${word}` : `Service ${name} was already ${word}`);
      }
      if (ctx.test) return ret(name, null, `Service ${name} would be ${word}`, expected);
      if (want) await driver.mask(name, runtime); else await driver.unmask(name, runtime);
      if (await driver.masked(name, runtime) === want) return ret(name, true, `Service ${name} was ${word}`, expected);
      // Salt leaves the result True here, with only the comment telling
      return ret(name, true, `Failed to ${want ? 'mask' : 'unmask'} service ${name}`);
    } catch (e) {
      return ret(name, false, errMsg(e));
    }
  };
}

export const serviceModule: StateModule = {
  name: 'service',
  functions: {
    running: {
      schema: {
        type: 'object',
        properties: {
          enable: { type: 'boolean' },
          reload: { type: 'boolean', default: false },
        },
        additionalProperties: false,
      },
      run: (args, ctx) => converge(args, ctx, RUNNING),
      modWatch: runningModWatch,
    },
    dead: {
      schema: { type: 'object', properties: { enable: { type: 'boolean' } }, additionalProperties: false },
      run: (args, ctx) => converge(args, ctx, DEAD),
      modWatch: deadModWatch,
    },
    enabled: {
      schema: { type: 'object', properties: {}, additionalProperties: false },
      run: enableFn(true),
    },
    disabled: {
      schema: { type: 'object', properties: {}, additionalProperties: false },
      run: enableFn(false),
    },
    masked: {
      schema: { type: 'object', properties: { runtime: { type: 'boolean', default: false } }, additionalProperties: false },
      run: maskFn(true),
    },
    unmasked: {
      schema: { type: 'object', properties: { runtime: { type: 'boolean', default: false } }, additionalProperties: false },
      run: maskFn(false),
    },
  },
};
