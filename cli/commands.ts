import AgentInstall from './commands/agent/install.js';
import AgentStart from './commands/agent/start.js';
import AppAllow from './commands/app/allow.js';
import AppList from './commands/app/list.js';
import AppOnboard from './commands/app/onboard.js';
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
import KeyGrains from './commands/key/grains.js';
import KeyList from './commands/key/list.js';
import KeyMaster from './commands/key/master.js';
import KeyReject from './commands/key/reject.js';
import MasterInstall from './commands/master/install.js';
import MasterStart from './commands/master/start.js';
import Mp1AppAdd from './commands/mp1/app/add.js';
import Mp1Services from './commands/mp1/services.js';
import Ping from './commands/ping.js';
import RosterApply from './commands/roster/apply.js';
import RosterPing from './commands/roster/ping.js';
import RosterRun from './commands/roster/run.js';
import Quickstart from './commands/quickstart.js';
import RedfishUserAdd from './commands/redfish/user/add.js';
import RedfishUserList from './commands/redfish/user/list.js';
import RedfishUserPasswd from './commands/redfish/user/passwd.js';
import Run from './commands/run.js';
import ScheduleList from './commands/schedule/list.js';
import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';
import TokenCreate from './commands/token/create.js';
import TokenList from './commands/token/list.js';
import TokenRevoke from './commands/token/revoke.js';

export const COMMANDS = {
  'agent:start': AgentStart,
  'app:list': AppList,
  'app:allow': AppAllow,
  'app:onboard': AppOnboard,
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
  'key:grains': KeyGrains,
  'key:list': KeyList,
  'key:master': KeyMaster,
  'key:reject': KeyReject,
  'master:start': MasterStart,
  'mp1:app:add': Mp1AppAdd,
  'mp1:services': Mp1Services,
  ping: Ping,
  'roster:apply': RosterApply,
  'roster:ping': RosterPing,
  'roster:run': RosterRun,
  'redfish:user:add': RedfishUserAdd,
  'redfish:user:list': RedfishUserList,
  'redfish:user:passwd': RedfishUserPasswd,
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
