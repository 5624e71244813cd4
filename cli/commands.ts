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
import MasterStart from './commands/master/start.js';
import Mp1AppAdd from './commands/mp1/app/add.js';
import Mp1Services from './commands/mp1/services.js';
import Ping from './commands/ping.js';
import Run from './commands/run.js';
import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';

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
  'mp1:app:add': Mp1AppAdd,
  'mp1:services': Mp1Services,
  ping: Ping,
  run: Run,
  'state:apply': StateApply,
  'state:show': StateShow,
};
