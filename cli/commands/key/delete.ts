import { keyChangeCommand } from '../../key-change.js';

export default keyChangeCommand('key.delete', 'Delete an agent key', 'deleted', false);
