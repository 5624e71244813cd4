import { plainJobCommand } from '../job-command.js';

export default plainJobCommand('ping', 'Check which targeted agents answer (test.ping)');
