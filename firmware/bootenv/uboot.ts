import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../lib/fs-atomic.js';
import type { CommandRunner } from '../../lib/drivers.js';
import { checkVars, parseEnvLines } from './file.js';
import type { BootEnv } from './types.js';

export interface UBootOptions {
  /** An fw_env.config of the board (e.g. /etc/fw_env.config). */
  config?: string;
  /** Or: the env lives in this file (or device) at offset 0; a private fw_env.config is written for it. */
  envFile?: string;
  envSize: number;
  /** Two copies (offset 0 and envSize): libubootenv then switches copies atomically. */
  redundant: boolean;
  /** Default environment used when the stored one is unreadable (fw_setenv -f). */
  defaultsFile?: string;
  /** Where the private fw_env.config is kept. */
  workDir: string;
}

/** U-Boot's environment through libubootenv's fw_printenv / fw_setenv. */
export class UBootEnv implements BootEnv {
  readonly where: string;
  private configPath?: string;

  constructor(private readonly o: UBootOptions, private readonly exec: CommandRunner) {
    this.where = `U-Boot env ${o.config ?? o.envFile}`;
  }

  private async config(): Promise<string> {
    if (this.o.config) return this.o.config;
    if (this.configPath) return this.configPath;
    const hex = (n: number) => `0x${n.toString(16)}`;
    const lines = [`${this.o.envFile} 0x0 ${hex(this.o.envSize)}`];
    if (this.o.redundant) lines.push(`${this.o.envFile} ${hex(this.o.envSize)} ${hex(this.o.envSize)}`);
    const path = join(this.o.workDir, 'fw_env.config');
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, `# written by umec for ${this.o.envFile}\n${lines.join('\n')}\n`);
    this.configPath = path;
    return path;
  }

  private defaults(): string[] { return this.o.defaultsFile ? ['-f', this.o.defaultsFile] : []; }

  async read(): Promise<Record<string, string>> {
    const r = await this.exec.run(['fw_printenv', '-c', await this.config(), ...this.defaults()], { timeout: 30 });
    if (r.code !== 0) throw new Error(`cannot read ${this.where}: fw_printenv exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    return parseEnvLines(r.stdout);
  }

  async write(vars: Record<string, string>): Promise<void> {
    checkVars(vars);
    const script = join(this.o.workDir, `.fw_setenv.${process.pid}.script`);
    await mkdir(this.o.workDir, { recursive: true });
    await writeFile(script, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
    const r = await this.exec.run(['fw_setenv', '-c', await this.config(), ...this.defaults(), '-s', script], { timeout: 30 });
    if (r.code !== 0) throw new Error(`cannot write ${this.where}: fw_setenv exit ${r.code ?? r.signal}: ${r.stderr.trim()}`);
  }
}
