import { stat } from 'node:fs/promises';
import type { CommandRunner } from '../types.js';
import { RootFiles } from './root-files.js';
import type { LocaleDriver } from './sysconf.js';

/**
 * Debian's locale tools as Salt's locale module uses them: `locale -a`, /usr/share/i18n/SUPPORTED,
 * /etc/locale.gen and `locale-gen`, `localectl` under systemd, `update-locale` without it.
 * Files are under `files.root`; commands see the system they run on (a test runs them in a
 * private mount namespace over temporary files).
 */
export class DebianLocaleDriver implements LocaleDriver {
  constructor(private readonly runner: CommandRunner, private readonly files = new RootFiles(),
    private readonly tools: { localeGen?: string; localedef?: string; updateLocale?: string } = { localeGen: 'locale-gen', localedef: 'localedef', updateLocale: 'update-locale' }) {}

  async available(): Promise<string[]> {
    const r = await this.runner.run(['locale', '-a']);
    if (r.code !== 0) throw new Error(`locale -a failed: ${r.stderr.trim()}`);
    return r.stdout.split('\n');
  }

  supported(): Promise<string | undefined> { return this.files.read('/usr/share/i18n/SUPPORTED'); }

  read(path: string): Promise<string | undefined> { return this.files.read(path); }

  async write(path: string, text: string, backup?: string): Promise<void> {
    if (backup) {
      const old = await this.files.read(path);
      if (old !== undefined) await this.files.write(`${path}${backup}`, old);
    }
    await this.files.write(path, text);
  }

  async generate(locale: string, def: { input: string; charmap: string; name: string }): Promise<boolean> {
    const cmd = this.tools.localeGen ? [this.tools.localeGen, locale]
      : this.tools.localedef ? [this.tools.localedef, '--force', '-i', def.input, '-f', def.charmap, def.name, '--quiet'] : undefined;
    if (!cmd) throw new Error('Command "locale-gen" or "localedef" was not found on this system.');
    return (await this.runner.run(cmd)).code === 0;
  }

  async booted(): Promise<boolean> {
    return stat(this.files.path('/run/systemd/system')).then((s) => s.isDirectory(), () => false);
  }

  async localectlLocale(): Promise<Record<string, string>> {
    const r = await this.runner.run(['localectl', 'status']);
    // "   System Locale: LANG=en_US.UTF-8" then continuation lines "                  LC_TIME=...".
    const out: Record<string, string> = {};
    let key: string | undefined;
    for (const line of r.stdout.split('\n')) {
      let data = line.trim();
      const sep = line.indexOf(': ');
      if (sep >= 0) { key = line.slice(0, sep).trim().toLowerCase(); data = line.slice(sep + 2).trim(); }
      if (key !== 'system locale' || !data.includes('=')) continue;
      const parts = data.split('=');
      if (parts.length === 2) out[parts[0]] = parts[1]!;
    }
    if (r.code !== 0) throw new Error(`Unable to parse result of "localectl": ${r.stderr.trim()}`);
    return out;
  }

  async localectlSet(vars: Record<string, string>): Promise<boolean> {
    const r = await this.runner.run(['localectl', 'set-locale', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)]);
    return r.code === 0;
  }

  async updateLocale(): Promise<void> {
    if (!this.tools.updateLocale) throw new Error('Cannot set locale: "update-locale" was not found.');
    // Salt runs it for its side effect and does not look at the outcome.
    await this.runner.run([this.tools.updateLocale]);
  }
}
