import { agentConfigFlag, jsonFlag } from './base-command.js';

export const redfishFlags = {
  ...agentConfigFlag('agent config file (its data_dir and redfish: section)'),
  ...jsonFlag,
};

/** The agent's Redfish account store, from agent.yaml (loaded on demand). */
export async function accountStore(configFile: string) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- module exports, not methods
  const [{ loadAgentConfig }, { AccountStore }, { join }] = await Promise.all([
    import('../agent/config.js'), import('../agent/redfish/accounts.js'), import('node:path')]);
  const c = await loadAgentConfig(configFile);
  const r = c.redfish;
  const file = r?.accounts_file ?? join(c.data_dir, 'redfish', 'accounts.json');
  return new AccountStore(file, { threshold: r?.lockout_threshold ?? 5, duration: r?.lockout_duration ?? 300, resetAfter: r?.lockout_duration ?? 300 }).load();
}

/** The first line of standard input: a password piped in by a script, never on the command line. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}
