import type { LocaleDriver } from '../../drivers/sysconf.js';
import type { StateArgs, StateContext, StateModule, StateReturn } from '../../types.js';
import { errMsg } from '../account-common.js';
import { enableInLocaleGen, joinLocale, langOf, normalizeLocale, setLang, splitLocale } from './names.js';

/**
 * Salt's locale state module (salt.states.locale) with the Debian paths of salt.modules.localemod:
 * present compiles a locale (enabled in /etc/locale.gen, then locale-gen) unless `locale -a`
 * lists it; system sets LANG through localectl under systemd, else through update-locale and
 * /etc/default/locale.
 */

function driverOf(ctx: StateContext): LocaleDriver {
  if (!ctx.drivers.locale) throw new Error('the locale driver is not available on this box');
  return ctx.drivers.locale;
}

/** localemod.avail: the normalised name is among `locale -a`'s. */
async function avail(driver: LocaleDriver, name: string): Promise<boolean> {
  const want = normalizeLocale(name);
  return (await driver.available()).some((x) => normalizeLocale(x.trim()) === want);
}

/** localemod.gen_locale on Debian: false when SUPPORTED lacks the locale or the tool failed. */
async function genLocale(driver: LocaleDriver, name: string, grains: Record<string, unknown>): Promise<boolean> {
  const info = splitLocale(name);
  const search = `${info.language}_${info.territory}`;
  let locale = name;
  if (!info.charmap && grains.os !== 'Ubuntu') locale = joinLocale({ ...info, charmap: info.codeset });
  const supported = await driver.supported();
  if (!new RegExp(`^${locale}$`, 'm').test(supported ?? '')) return false;
  const gen = await driver.read('/etc/locale.gen');
  if (gen !== undefined) {
    const next = enableInLocaleGen(gen, locale);
    if (next !== gen) await driver.write('/etc/locale.gen', next, '.bak');
  }
  return driver.generate(locale, { input: search, charmap: info.codeset, name: `${search}.${info.codeset}` });
}

async function present(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: null, changes: {}, comment: '' };
  try {
    const driver = driverOf(ctx);
    if (await avail(driver, name)) return { ...ret, result: true, comment: `Locale ${name} is already present` };
    if (ctx.test) return { ...ret, changes: { locale: name }, comment: `Locale ${name} needs to be generated` };
    if (await genLocale(driver, name, ctx.grains)) return { ...ret, result: true, changes: { locale: name }, comment: `Generated locale ${name}` };
    return { ...ret, result: false, comment: `Failed to generate locale ${name}` };
  } catch (e) {
    return { ...ret, result: false, comment: `Failed to generate locale ${name}: ${errMsg(e)}` };
  }
}

async function getLocale(driver: LocaleDriver): Promise<string> {
  if (await driver.booted()) return (await driver.localectlLocale()).LANG ?? '';
  return langOf(await driver.read('/etc/default/locale'));
}

async function setLocale(driver: LocaleDriver, name: string): Promise<boolean> {
  if (await driver.booted()) return driver.localectlSet({ ...(await driver.localectlLocale()), LANG: name });
  await driver.updateLocale();
  const text = (await driver.read('/etc/default/locale')) ?? '';
  const next = setLang(text, name);
  if (next !== text) await driver.write('/etc/default/locale', next, '.bak');
  return true;
}

async function system(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const ret: StateReturn = { name, result: null, changes: {}, comment: '' };
  try {
    const driver = driverOf(ctx);
    if (await getLocale(driver) === name) return { ...ret, result: true, comment: `System locale ${name} already set` };
    if (ctx.test) return { ...ret, changes: { locale: name }, comment: `System locale ${name} needs to be set` };
    if (await setLocale(driver, name)) return { ...ret, result: true, changes: { locale: name }, comment: `Set system locale ${name}` };
    return { ...ret, result: false, comment: `Failed to set system locale to ${name}` };
  } catch (e) {
    return { ...ret, result: false, comment: `Failed to set system locale: ${errMsg(e)}` };
  }
}

const noArgs = { type: 'object', properties: {}, additionalProperties: false };

export const localeModule: StateModule = {
  name: 'locale',
  functions: {
    present: { schema: noArgs, run: present },
    system: { schema: noArgs, run: system },
  },
};
