import type { StateReturn } from '../types.js';

export function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What user.absent and group.absent differ in: wording, the change marker and the driver calls. */
export interface Removal {
  kind: 'User' | 'Group';
  pending: string;
  marker: string;
  lookup: () => Promise<unknown>;
  remove: () => Promise<void>;
}

/** The absent state of one account: removes it unless missing, then checks that it is gone. */
export async function removeAccount(name: string, test: boolean, r: Removal): Promise<StateReturn> {
  const ret: StateReturn = { name, result: true, changes: {}, comment: '' };
  const what = `${r.kind.toLowerCase()} ${name}`;
  try {
    if (!(await r.lookup())) {
      ret.comment = `${r.kind} ${name} is not present`;
      return ret;
    }
    if (test) {
      ret.result = null;
      ret.changes = { [name]: r.marker };
      ret.comment = `${r.kind} ${name} ${r.pending}`;
      return ret;
    }
    await r.remove();
    if (await r.lookup()) {
      ret.result = false;
      ret.comment = `Failed to remove ${what}`;
      return ret;
    }
    ret.changes = { [name]: r.marker };
    ret.comment = `Removed ${what}`;
    return ret;
  } catch (e) {
    ret.result = false;
    ret.comment = `Failed to remove ${what}: ${errMsg(e)}`;
    return ret;
  }
}
