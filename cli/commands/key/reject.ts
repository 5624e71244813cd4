import { keyChangeCommand } from '../../key-change.js';

export default keyChangeCommand('key.reject', 'Reject an agent key (or --all pending)', 'rejected', true);
