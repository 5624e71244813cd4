import { hostname } from 'node:os';
import { Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { UmecError } from '../../../lib/errors.js';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class TokenCreate extends MasterCommand {
  static summary = 'Make an enrolment token for zero-touch commissioning (printed once, stored hashed)';
  static flags = {
    ttl: Flags.string({ description: 'how long the token is good for: 30m, 24h, 7d', default: '24h' }),
    uses: Flags.integer({ description: 'how many boxes may enrol with it', default: 1 }),
    grains: Flags.string({ description: 'grain preset for the box, key=value (repeatable)', multiple: true, default: [] }),
    comment: Flags.string({ description: 'a note shown by token list' }),
    bootstrap: Flags.string({ description: 'also write a bootstrap file (master, master_pubkey, token) to this path, mode 0600' }),
    'master-address': Flags.string({ description: 'master address for the bootstrap file (host:port); default this host and the return port' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TokenCreate);
    const { parseTtl, parseGrainPairs } = await import('../../../master/enrol/tokens.js');
    if (flags.bootstrap) {
      // checked first, so a failed write does not leave a token nobody has seen
      // eslint-disable-next-line @typescript-eslint/unbound-method -- module functions, not methods
      const [{ access, constants }, { dirname }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
      await access(dirname(flags.bootstrap), constants.W_OK).catch((e: Error) => {
        throw new UmecError('USAGE', { reason: `cannot write the bootstrap file ${flags.bootstrap}: ${e.message}` });
      });
    }
    const r = await (await MasterClient.fromConfig(flags.config)).call('token.create', { ttl_seconds: parseTtl(flags.ttl), uses: flags.uses, grains: parseGrainPairs(flags.grains), comment: flags.comment });
    if (flags.bootstrap) {
      const { writeFileAtomic } = await import('../../../lib/fs-atomic.js');
      const master = flags['master-address'] ?? `${hostname()}:${r.master.return_port}`;
      const text = `# umec bootstrap: copy to the box's boot partition as umec-bootstrap.yaml\n${stringify({ master, master_pubkey: r.master.pubkey, token: r.token })}`;
      await writeFileAtomic(flags.bootstrap, text, { mode: 0o600 }).catch((e: Error) => {
        throw new UmecError('USAGE', { reason: `cannot write ${flags.bootstrap}: ${e.message}` });
      });
    }
    if (flags.json) { this.log(JSON.stringify({ token: r.token, ...r.record }, null, 2)); return; }
    this.log(r.token);
    process.stderr.write(`token ${r.record.id}: ${r.record.uses} use(s), expires ${r.record.expires}`
      + `${Object.keys(r.record.grains).length ? `, grains ${JSON.stringify(r.record.grains)}` : ''}; it is shown only now\n`);
    if (flags.bootstrap) process.stderr.write(`bootstrap file written to ${flags.bootstrap}\n`);
  }
}
