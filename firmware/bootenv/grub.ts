import { access } from 'node:fs/promises';
import type { CommandRunner } from '../../lib/drivers.js';
import { checkVars, parseEnvLines } from './file.js';
import type { BootEnv } from './types.js';

/** GRUB's grubenv block through grub-editenv (the grub.cfg side reads the same variables with load_env). */
export class GrubEnv implements BootEnv {
  readonly where: string;
  constructor(private readonly file: string, private readonly exec: CommandRunner) { this.where = `grubenv ${file}`; }

  private async run(args: string[]): Promise<string> {
    const r = await this.exec.run(['grub-editenv', this.file, ...args], { timeout: 30 });
    if (r.code !== 0) throw new Error(`grub-editenv ${args[0]} on ${this.file} failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  async read(): Promise<Record<string, string>> {
    if (!(await access(this.file).then(() => true, () => false))) return {};
    return parseEnvLines(await this.run(['list']));
  }

  async write(vars: Record<string, string>): Promise<void> {
    checkVars(vars);
    if (!(await access(this.file).then(() => true, () => false))) await this.run(['create']);
    await this.run(['set', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)]);
  }
}
