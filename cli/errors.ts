import { CompileError, exitCodeOf, formatProblem, UmecError } from '../lib/errors.js';

/** Prints umec's errors (input errors exit 2; see lib/errors.ts ErrorKinds) the same way for every command; anything else is rethrown. */
export function reportInputError(e: unknown, json: boolean): number {
  if (e instanceof CompileError) {
    if (json) process.stdout.write(`${JSON.stringify({ local: { errors: e.problems } }, null, 2)}\n`);
    process.stderr.write(`Errors in the state tree; nothing was run:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    return 2;
  }
  if (e instanceof UmecError) {
    if (json) process.stdout.write(`${JSON.stringify({ local: { errors: [{ code: e.code, message: e.message }] } }, null, 2)}\n`);
    process.stderr.write(`Error: ${e.message} [${e.code}]\n`);
    return exitCodeOf(e.code);
  }
  throw e;
}
