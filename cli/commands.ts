import AgentInstall from './commands/agent/install.js';
import AgentStart from './commands/agent/start.js';
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
import MasterInstall from './commands/master/install.js';
import MasterStart from './commands/master/start.js';
import Ping from './commands/ping.js';
import Quickstart from './commands/quickstart.js';
import Run from './commands/run.js';
import ScheduleList from './commands/schedule/list.js';
import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';
import TokenCreate from './commands/token/create.js';
import TokenList from './commands/token/list.js';
import TokenRevoke from './commands/token/revoke.js';

export const COMMANDS = {
  'agent:start': AgentStart,
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
  run: Run,
  'state:apply': StateApply,
  'state:show': StateShow,
  'schedule:list': ScheduleList,
  'token:create': TokenCreate,
  'token:list': TokenList,
  'token:revoke': TokenRevoke,
  'agent:install': AgentInstall,
  'master:install': MasterInstall,
  quickstart: Quickstart,
};
