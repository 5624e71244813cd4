import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class AppList extends MasterCommand {
  static summary = 'List the app packages on-boarded on the master';

  async run(): Promise<void> {
    const { flags } = await this.parse(AppList);
    const apps = await (await MasterClient.fromConfig(flags.config)).call('app.list');
    if (flags.json) { this.log(JSON.stringify(apps, null, 2)); return; }
    if (!apps.length) { this.log('No apps on-boarded'); return; }
    const rows = apps.map((a) => [a.name, a.version, a.containers.join(','), a.onboarded.slice(0, 19).replace('T', ' '), a.digest.slice(0, 12)]);
    const head = ['NAME', 'VERSION', 'CONTAINERS', 'ONBOARDED', 'DIGEST'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const r of [head, ...rows]) this.log(r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd());
  }
}
