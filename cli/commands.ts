import AgentStart from './commands/agent/start.js';
import AppList from './commands/app/list.js';
import AppOnboard from './commands/app/onboard.js';
import Apply from './commands/apply.js';
import Events from './commands/events.js';
import Grains from './commands/grains.js';
import JobList from './commands/job/list.js';
import JobShow from './commands/job/show.js';
import KeyAccept from './commands/key/accept.js';
import KeyDelete from './commands/key/delete.js';
import KeyFinger from './commands/key/finger.js';
import KeyList from './commands/key/list.js';
import KeyMaster from './commands/key/master.js';
import KeyReject from './commands/key/reject.js';
import MasterStart from './commands/master/start.js';
import Ping from './commands/ping.js';
import RosterApply from './commands/roster/apply.js';
import RosterPing from './commands/roster/ping.js';
import RosterRun from './commands/roster/run.js';
import Run from './commands/run.js';
import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';

export const COMMANDS = {
  'agent:start': AgentStart,
  'app:list': AppList,
  'app:onboard': AppOnboard,
  apply: Apply,
  events: Events,
  grains: Grains,
  'job:list': JobList,
  'job:show': JobShow,
  'key:accept': KeyAccept,
  'key:delete': KeyDelete,
  'key:finger': KeyFinger,
  'key:list': KeyList,
  'key:master': KeyMaster,
  'key:reject': KeyReject,
  'master:start': MasterStart,
  ping: Ping,
  'roster:apply': RosterApply,
  'roster:ping': RosterPing,
  'roster:run': RosterRun,
  run: Run,
  'state:apply': StateApply,
  'state:show': StateShow,
};
