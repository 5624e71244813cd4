import { UnknownZoneError } from '../drivers/timezone.js';
import type { TimezoneDriver } from '../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../types.js';
import { errMsg } from './account-common.js';

/**
 * Salt's timezone state module (salt.states.timezone): system sets the zone and, with
 * `utc: True` (Salt's default), a UTC hardware clock. As in Salt, `utc: False` asks for no
 * change, and the hardware clock is read before anything else (where timedatectl cannot
 * reach systemd, the state fails as Salt's does).
 */

function driverOf(ctx: StateContext): TimezoneDriver {
  if (!ctx.drivers.timezone) throw new Error('the timezone driver is not available on this box');
  return ctx.drivers.timezone;
}

async function system(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const utc = args.utc !== false && args.utc !== null;
  const ret: StateReturn = { name, result: null, changes: {}, comment: '' };
  let driver: TimezoneDriver;
  let same: boolean;
  try {
    driver = driverOf(ctx);
    same = await driver.zoneCompare(name);
  } catch (e) {
    return { ...ret, result: false, comment: `Unable to compare desired timezone '${name}' to system timezone: ${errMsg(e)}` };
  }
  try {
    const myutc = (await driver.getHwclock()) !== 'localtime';
    const messages: string[] = [];
    if (same) {
      ret.result = true;
      messages.push(`Timezone ${name} already set`);
    }
    const doUtc = utc && !myutc;
    if (doUtc) ret.result = null;
    else if (utc) messages.push(`UTC already set to ${name}`);
    if (ret.result === true) return { ...ret, comment: messages.join(', ') };

    if (ctx.test) {
      const pending: string[] = [];
      if (!same) { pending.push(`Timezone ${name} needs to be set`); ret.changes.timezone = name; }
      if (doUtc) { pending.push('UTC needs to be set to True'); ret.changes.utc = true; }
      return { ...ret, comment: pending.join(', ') };
    }
    const done: string[] = [];
    if (!same) {
      await driver.setZone(name);
      ret.changes.timezone = name;
      done.push(`Set timezone ${name}`);
      ret.result = true;
    }
    if (doUtc) {
      if (await driver.setHwclock('UTC')) {
        ret.changes.utc = true;
        done.push('Set UTC to True');
        ret.result = true;
      } else {
        done.push('Failed to set UTC to True');
        ret.result = false;
      }
    }
    return { ...ret, comment: done.join(', ') };
  } catch (e) {
    const what = e instanceof UnknownZoneError ? 'Failed to set timezone' : 'An exception occurred in this state';
    return { ...ret, result: false, comment: `${what}: ${errMsg(e)}` };
  }
}

export const timezoneModule: StateModule = {
  name: 'timezone',
  functions: {
    system: {
      schema: { type: 'object', properties: { utc: { type: ['boolean', 'null'], default: true } }, additionalProperties: false },
      run: system,
    },
  },
};
