import type { StateModule } from '../../types.js';
import { blockreplace, commentState, replace, uncommentState } from './edit.js';
import { append, line } from './lines.js';
import { managed } from './managed.js';
import { directory } from './directory.js';
import { absent, symlinkState } from './paths.js';
import { recurse } from './recurse.js';
import { serialize } from './serialize.js';

export const fileModule: StateModule = {
  name: 'file',
  functions: {
    managed, directory, absent, symlink: symlinkState, append, line,
    replace, comment: commentState, uncomment: uncommentState, blockreplace, recurse, serialize,
  },
};
