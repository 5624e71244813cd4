import { statusActionCommand } from '../../firmware.js';

export default statusActionCommand('Mark the running trial slot good (skip the remaining health checks)', (engine) => engine.commit());
