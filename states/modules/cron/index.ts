import type { CrontabDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import { rmEnv, rmJob, rmSpecial, setEnv, setJob, setSpecial, type Planned, type RmOutcome, type SetOutcome } from './plan.js';
import { parseTab, pyStr, renderTab, type CronTab } from './tab.js';

/**
 * Salt's cron state module (salt.states.cron): present, absent, env_present, env_absent on a
 * user's crontab. Each state reads the crontab, plans the edit with the pure functions of
 * plan.ts (the same plan gives the test-mode prediction) and installs the result once.
 */

const scalar = { type: ['string', 'number', 'boolean'] };
const timeField = { type: ['string', 'number'], default: '*' };

function driverOf(ctx: StateContext): CrontabDriver {
  if (!ctx.drivers.cron) throw new Error('the cron driver (crontab) is not available on this box');
  return ctx.drivers.cron;
}

/** Reads, plans, and (outside test mode, when something changes) installs the new crontab. */
async function edit<T extends string>(ctx: StateContext, user: string, plan: (tab: CronTab) => Planned<T>,
  unchanged: T): Promise<T> {
  const driver = driverOf(ctx);
  const text = await driver.read(user);
  const p = plan(parseTab(text));
  if (p.status !== unchanged && !ctx.test) await driver.write(user, renderTab(p.tab));
  return p.status;
}

/** Salt's `identifier=False` default: the state's name. */
function identifierOf(args: StateArgs, name: string): string {
  const id = args.identifier;
  return id === false || id === undefined || id === null ? name : pyStr(id);
}

function optStr(v: unknown): string | null {
  return v === null || v === undefined ? null : pyStr(v);
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name.trim();
  const user = String(args.user);
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const common = {
    cmd: name, identifier: identifierOf(args, name), comment: optStr(args.comment), commented: args.commented === true,
  };
  const special = optStr(args.special);
  let status: SetOutcome;
  try {
    status = await edit(ctx, user, (tab) => special === null
      ? setJob(tab, {
        ...common, minute: pyStr(args.minute), hour: pyStr(args.hour), daymonth: pyStr(args.daymonth),
        month: pyStr(args.month), dayweek: pyStr(args.dayweek),
      })
      : setSpecial(tab, { ...common, spec: special }), 'present');
  } catch (e) {
    return { ...ret, result: false, comment: `Cron ${name} for user ${user} failed to commit with error \n${errMsg(e)}` };
  }
  if (status === 'present') return { ...ret, comment: `Cron ${name} already present` };
  if (ctx.test) {
    return { ...ret, result: null, changes: { [user]: name },
      comment: status === 'new' ? `Cron ${name} is set to be added` : `Cron ${name} is set to be updated` };
  }
  return { ...ret, changes: { [user]: name },
    comment: status === 'new' ? `Cron ${name} added to ${user}'s crontab` : `Cron ${name} updated` };
}

async function absent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name.trim();
  const user = String(args.user);
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const identifier = identifierOf(args, name);
  const special = optStr(args.special);
  let status: RmOutcome;
  try {
    status = await edit(ctx, user, (tab) => special === null
      ? rmJob(tab, name, identifier) : rmSpecial(tab, name, special, identifier), 'absent');
  } catch (e) {
    return { ...ret, result: false, comment: `Cron ${name} for user ${user} failed to commit with error ${errMsg(e)}` };
  }
  if (status === 'absent') return { ...ret, comment: ctx.test ? `Cron ${name} is absent` : `Cron ${name} already absent` };
  if (ctx.test) return { ...ret, result: null, changes: { [user]: name }, comment: `Cron ${name} is set to be removed` };
  return { ...ret, changes: { [user]: name }, comment: `Cron ${name} removed from ${user}'s crontab` };
}

async function envPresent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const user = String(args.user);
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  // Salt renders a missing value as NAME="" and reads it back as the empty string.
  const value = args.value === null || args.value === undefined ? '' : pyStr(args.value);
  let status: SetOutcome;
  try {
    status = await edit(ctx, user, (tab) => setEnv(tab, name, value), 'present');
  } catch (e) {
    return { ...ret, result: false, comment: `Cron env ${name} for user ${user} failed to commit with error \n${errMsg(e)}` };
  }
  if (status === 'present') return { ...ret, comment: `Cron env ${name} already present` };
  if (ctx.test) {
    return { ...ret, result: null, changes: { [user]: name },
      comment: status === 'new' ? `Cron env ${name} is set to be added` : `Cron env ${name} is set to be updated` };
  }
  return { ...ret, changes: { [user]: name },
    comment: status === 'new' ? `Cron env ${name} added to ${user}'s crontab` : `Cron env ${name} updated` };
}

async function envAbsent(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name.trim();
  const user = String(args.user);
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  let status: RmOutcome;
  try {
    status = await edit(ctx, user, (tab) => rmEnv(tab, name), 'absent');
  } catch (e) {
    return { ...ret, result: false, comment: `Cron env ${name} for user ${user} failed to commit with error ${errMsg(e)}` };
  }
  if (status === 'absent') return { ...ret, comment: ctx.test ? `Cron env ${name} is absent` : `Cron env ${name} already absent` };
  if (ctx.test) return { ...ret, result: null, changes: { [user]: name }, comment: `Cron env ${name} is set to be removed` };
  return { ...ret, changes: { [user]: name }, comment: `Cron env ${name} removed from ${user}'s crontab` };
}

const user = { type: 'string', default: 'root' };
const identifier = { type: ['string', 'number', 'boolean'], default: false };
const nullable = (t: Record<string, unknown>) => ({ anyOf: [t, { type: 'null' }] });

export const cronModule: StateModule = {
  name: 'cron',
  functions: {
    present: {
      schema: {
        type: 'object',
        properties: {
          user, minute: timeField, hour: timeField, daymonth: timeField, month: timeField, dayweek: timeField,
          comment: nullable(scalar), commented: { type: 'boolean', default: false }, identifier,
          special: nullable({ type: 'string' }),
        },
        additionalProperties: false,
      },
      run: present,
    },
    // Salt's cron.absent takes **kwargs and ignores them (formulas pass minute/hour/comment to it).
    absent: {
      schema: { type: 'object', properties: { user, identifier, special: nullable({ type: 'string' }) }, additionalProperties: true },
      run: absent,
    },
    env_present: {
      schema: { type: 'object', properties: { user, value: nullable(scalar) }, additionalProperties: false },
      run: envPresent,
    },
    env_absent: {
      schema: { type: 'object', properties: { user }, additionalProperties: false },
      run: envAbsent,
    },
  },
};
