import { plainJobCommand } from '../job-command.js';

export default plainJobCommand('grains', 'Show the grains of the targeted agents');
