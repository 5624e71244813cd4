import { statusActionCommand } from '../../firmware.js';

export default statusActionCommand('Finish an update after a restart or reboot: health checks, then commit or roll back (the agent does this at start)', (engine) => engine.resume());
