import { installCommand } from '../../install-command.js';

export default installCommand('agent');
