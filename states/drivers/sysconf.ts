/**
 * Interfaces of the drivers behind the system-configuration state modules (cron, locale,
 * timezone, sysctl, host, ssh_auth, ssh_known_hosts). The implementations live in their own
 * files and take a root directory or a command runner, so tests point them at temp roots.
 */

/** A user's crontab, read and installed through the `crontab` command. */
export interface CrontabDriver {
  /** The crontab as `crontab -l` prints it, without crontab's own header; '' when the user has none. */
  read(user: string): Promise<string>;
  /** Installs `text` as the user's crontab (crontab checks its syntax); throws with crontab's error. */
  write(user: string, text: string): Promise<void>;
}

/** The hosts file (Salt's `hosts.file`, /etc/hosts). */
export interface HostsDriver {
  /** Its text; undefined when the file does not exist. */
  read(): Promise<string | undefined>;
  /** Replaces its content (created when missing, as Salt's hosts module does). */
  write(text: string): Promise<void>;
}
