/** Agent ids travel into file names and targets: keep them to a safe, Salt-compatible alphabet. */
export const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export function isAgentId(s: unknown): s is string {
  return typeof s === 'string' && AGENT_ID.test(s) && s !== '.' && s !== '..';
}
