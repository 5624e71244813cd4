import { statusActionCommand } from '../../firmware.js';

export default statusActionCommand('Go back to the previous slot (reboots when the trial slot is running)', (engine) => engine.rollback());
