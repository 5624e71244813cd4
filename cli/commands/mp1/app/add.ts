import { Args, Flags } from '@oclif/core';
import { identityEnv } from '../../../../lib/app-identity.js';
import { UmecError } from '../../../../lib/errors.js';
import { agentConfigFlag, jsonFlag, UmecCommand } from '../../../base-command.js';

export default class Mp1AppAdd extends UmecCommand {
  static summary = 'Give an app instance Mp1 client credentials on this box (printed once)';
  static description = 'Writes the identity into the agent\'s data_dir; the running agent accepts it at the app\'s first token request. '
    + 'Run again with --rotate to replace lost or leaked credentials: within a second the running agent refuses the old ones and every token issued for them.';
  static args = { id: Args.string({ required: true, description: 'appInstanceId' }) };
  static flags = {
    ...agentConfigFlag(),
    name: Flags.string({ description: 'app name' }),
    'app-version': Flags.string({ description: 'app version' }),
    rules: Flags.string({ description: 'YAML file with dnsRules and trafficRules (MEC 011 DnsRule/TrafficRule) for the instance' }),
    rotate: Flags.boolean({ description: 'issue new credentials for an existing instance' }),
    ...jsonFlag,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Mp1AppAdd);
    const [{ loadAgentConfig }, { provisionApp, checkRulesFile }, { mp1BaseUrl }, { readMappingFile }, { APP_INSTANCE_ID }] = await Promise.all([
      import('../../../../agent/config.js'), import('../../../../agent/mp1/provision.js'), import('../../../../agent/mp1/config.js'),
      import('../../../local.js'), import('../../../../agent/mp1/identities.js')]);
    if (!APP_INSTANCE_ID.test(args.id)) throw new UmecError('USAGE', { reason: `bad appInstanceId ${JSON.stringify(args.id)}: letters, digits, . _ - (at most 128)` });
    const config = await loadAgentConfig(flags.config);
    if (!config.mp1) throw new UmecError('CONFIG', { file: flags.config, reason: 'mp1: is not configured, so the agent serves no Mp1' });
    const rules = flags.rules ? checkRulesFile(flags.rules, await readMappingFile(flags.rules, 'rules')) : undefined;
    const { identity, created } = await provisionApp(config.data_dir, args.id, { appName: flags.name, appVersion: flags['app-version'], rotate: flags.rotate, rules });
    const endpoint = mp1BaseUrl(config.mp1);
    if (flags.json) { this.log(JSON.stringify({ ...identity, endpoint, tokenEndpoint: `${endpoint}/oauth/token`, created }, null, 2)); return; }
    this.log(`${created ? 'Created' : 'Rotated'} Mp1 credentials for ${args.id} (shown once; keep the secret safe):`);
    for (const [k, v] of Object.entries(identityEnv(identity, endpoint))) this.log(`${k}=${v}`);
  }
}
