import AgentStart from './commands/agent/start.js';
import Apply from './commands/apply.js';
import Events from './commands/events.js';
import FirmwareBundleCreate from './commands/firmware/bundle/create.js';
import FirmwareBundleSign from './commands/firmware/bundle/sign.js';
import FirmwareBundleVerify from './commands/firmware/bundle/verify.js';
import FirmwareCommit from './commands/firmware/commit.js';
import FirmwareInstall from './commands/firmware/install.js';
import FirmwareKeygen from './commands/firmware/keygen.js';
import FirmwareResume from './commands/firmware/resume.js';
import FirmwareRollback from './commands/firmware/rollback.js';
import FirmwareStatus from './commands/firmware/status.js';
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
import RedfishUserAdd from './commands/redfish/user/add.js';
import RedfishUserList from './commands/redfish/user/list.js';
import RedfishUserPasswd from './commands/redfish/user/passwd.js';
import Run from './commands/run.js';
import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';

export const COMMANDS = {
  'agent:start': AgentStart,
  apply: Apply,
  events: Events,
  'firmware:bundle:create': FirmwareBundleCreate,
  'firmware:bundle:sign': FirmwareBundleSign,
  'firmware:bundle:verify': FirmwareBundleVerify,
  'firmware:commit': FirmwareCommit,
  'firmware:install': FirmwareInstall,
  'firmware:keygen': FirmwareKeygen,
  'firmware:resume': FirmwareResume,
  'firmware:rollback': FirmwareRollback,
  'firmware:status': FirmwareStatus,
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
  'redfish:user:add': RedfishUserAdd,
  'redfish:user:list': RedfishUserList,
  'redfish:user:passwd': RedfishUserPasswd,
  run: Run,
  'state:apply': StateApply,
  'state:show': StateShow,
};
