import type { SysctlDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import { pyStr } from '../cron/tab.js';
import { planPersist, showConfig } from './conf.js';

/**
 * Salt's sysctl state module (salt.states.sysctl): present writes `name = value` into the
 * config file (Salt's default, see SysctlDriver.defaultConfig) and sets the live value.
 * The same plan gives the test-mode prediction; its comments are Salt's test-mode comments.
 */

function driverOf(ctx: StateContext): SysctlDriver {
  if (!ctx.drivers.sysctl) throw new Error('the sysctl driver is not available on this box');
  return ctx.drivers.sysctl;
}

const squash = (s: string) => s.replace(/ +|\t+/g, ' ');

/** The comment Salt's test mode gives for a parameter that will change. */
function testComment(name: string, shown: string, live: string | undefined, configured: Map<string, string>): string {
  if (live) {
    if (!configured.has(name)) {
      return squash(live) !== squash(shown)
        ? `Sysctl option ${name} set to be changed to ${shown}`
        : `Sysctl value is currently set on the running system but not in a config file. Sysctl option ${name} set to be changed to ${shown} in config file.`;
    }
  } else if (configured.has(name)) {
    return `Sysctl value ${name} is present in configuration file but is not present in the running config. The value ${name} is set to be changed to ${shown}`;
  }
  return `Sysctl option ${name} would be changed to ${shown}`;
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const raw = args.value;
  const shown = pyStr(raw);
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  try {
    const driver = driverOf(ctx);
    const config = typeof args.config === 'string' ? args.config : await driver.defaultConfig();
    const text = await driver.readConfig(config);
    const plan = planPersist(text, name, shown, typeof raw === 'string');
    const live = await driver.get(name);
    if (plan.kind === 'configured' && live === plan.value) {
      return { ...ret, comment: `Sysctl value ${name} = ${shown} is already set` };
    }
    if (ctx.test) {
      return { ...ret, result: null, changes: { [name]: raw },
        comment: testComment(name, shown, live, showConfig(text ?? '')) };
    }
    if (plan.kind === 'write') await driver.writeConfig(config, plan.text);
    await driver.assign(name, plan.value);
    return { ...ret, changes: { [name]: raw }, comment: `Updated sysctl value ${name} = ${shown}` };
  } catch (e) {
    return { ...ret, result: false, changes: {}, comment: `Failed to set ${name} to ${shown}: ${errMsg(e)}` };
  }
}

export const sysctlModule: StateModule = {
  name: 'sysctl',
  functions: {
    present: {
      schema: {
        type: 'object',
        properties: {
          value: { type: ['string', 'number', 'boolean'] },
          config: { type: ['string', 'null'], default: null },
        },
        required: ['value'],
        additionalProperties: false,
      },
      run: present,
    },
  },
};
