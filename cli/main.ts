import { execute } from '@oclif/core';

export { COMMANDS } from './commands.js';

/** Entry of the bundled CLI (dist/umec.mjs): oclif loads COMMANDS from this same file. */
export async function run(): Promise<void> {
  await execute({ dir: import.meta.url });
}
