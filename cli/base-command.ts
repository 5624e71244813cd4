import { Command, Flags } from '@oclif/core';
import { CompileError, ioError, UmecError } from '../lib/errors.js';
import { reportInputError } from './errors.js';

/** --config of the commands that read this box's agent.yaml. */
export const agentConfigFlag = (description = 'agent config file') => ({
  config: Flags.string({ char: 'c', description, env: 'UMEC_AGENT_CONFIG', default: '/etc/umec/agent.yaml' }),
});

/** --config of the commands that read master.yaml (the master daemon, and every client of its control socket). */
export const masterConfigFlag = {
  config: Flags.string({ char: 'c', description: 'master config file', env: 'UMEC_CONFIG', default: '/etc/umec/master.yaml' }),
};

export const jsonFlag = { json: Flags.boolean({ description: 'print JSON' }) };

/**
 * Every umec command: one error handler, so a command's run() just throws. umec's own errors
 * (UmecError, CompileError) are printed once, the same way everywhere (as JSON with --json), and
 * set the exit code of their kind (lib/errors.ts); anything else is a bug and goes to oclif.
 */
export abstract class UmecCommand extends Command {
  protected override async catch(caught: Error & { exitCode?: number }): Promise<unknown> {
    // a filesystem error (ENOSPC, EACCES, ENOTDIR, ...) is named as [IO] with its path and a hint
    const err = ioError(caught) ?? caught;
    if (!(err instanceof UmecError || err instanceof CompileError)) return super.catch(err);
    process.exitCode = reportInputError(err, this.argv.includes('--json'));
    return undefined;
  }
}

/** A client of the running master's control socket: --config (master.yaml) and --json. */
export abstract class MasterCommand extends UmecCommand {
  static override baseFlags = { ...masterConfigFlag, ...jsonFlag };
}
