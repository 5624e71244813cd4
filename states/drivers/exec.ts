// Process running is a runtime mechanism every layer uses; it lives in lib/exec.ts.
export { ProcessRunner, lookupUser } from '../../lib/exec.js';
