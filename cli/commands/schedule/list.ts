import { Flags } from '@oclif/core';
import type { ScheduleStatus } from '../../../lib/scheduler.js';
import { MasterCommand } from '../../base-command.js';
import { MasterClient } from '../../master-client.js';

export default class ScheduleList extends MasterCommand {
  static summary = "List the master's schedules with their next and last runs (or an agent's, with --agent-config)";
  static flags = {
    'agent-config': Flags.string({ description: "show this agent.yaml's schedule (next runs computed here) instead of the master's" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleList);
    let list: ScheduleStatus[];
    if (flags['agent-config']) {
      const [{ loadAgentConfig }, { previewSchedule }] = await Promise.all([import('../../../agent/config.js'), import('../../../lib/scheduler.js')]);
      const cfg = await loadAgentConfig(flags['agent-config']);
      list = previewSchedule(cfg.schedule ?? {});
    } else {
      list = await (await MasterClient.fromConfig(flags.config)).call('schedule.list');
    }
    if (flags.json) { this.log(JSON.stringify(list, null, 2)); return; }
    if (!list.length) { this.log('No schedules.'); return; }
    this.log(['NAME', 'CRON', 'SPLAY', 'NEXT', 'LAST', 'RUNS'].join('\t'));
    for (const s of list) {
      const last = s.last ? `${s.last.at} ${s.last.ok ? (s.last.jid ?? s.last.skipped ?? 'ok') : `error: ${s.last.error}`}` : '-';
      this.log([s.name, s.cron, `${s.splay}s`, s.enabled ? (s.next ?? '-') : 'disabled', last, String(s.runs)].join('\t'));
    }
  }
}
