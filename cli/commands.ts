import StateApply from './commands/state/apply.js';
import StateShow from './commands/state/show.js';

export const COMMANDS = {
  'state:apply': StateApply,
  'state:show': StateShow,
};
