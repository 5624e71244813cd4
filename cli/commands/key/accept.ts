import { keyChangeCommand } from '../../key-change.js';

export default keyChangeCommand('key.accept', 'Accept an agent key (or --all pending)', 'accepted', true);
