import { RootFiles } from './root-files.js';
import type { HostsDriver } from './sysconf.js';

/** /etc/hosts under a root directory. */
export class FileHostsDriver implements HostsDriver {
  constructor(private readonly files = new RootFiles(), private readonly file = '/etc/hosts') {}

  read(): Promise<string | undefined> { return this.files.read(this.file); }

  write(text: string): Promise<void> { return this.files.write(this.file, text); }
}
