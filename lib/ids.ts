/** Agent ids travel into file names and targets: keep them to a safe, Salt-compatible alphabet. */
// 200, not DNS's 253: ids become file names with a temp suffix, within the 255-byte name limit
export const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function isAgentId(s: unknown): s is string {
  return typeof s === 'string' && AGENT_ID.test(s) && s !== '.' && s !== '..';
}
