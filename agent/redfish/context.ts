import type { Logger } from '../../lib/log.js';
import type { FirmwareEngine, PowerDriver } from '../../firmware/types.js';
import type { AccountStore } from './accounts.js';
import type { HardwareSource } from './hardware.js';
import type { SessionStore } from './sessions.js';
import type { SettingsStore } from './settings.js';
import type { TaskStore } from './tasks.js';

/** Sets the box's host name. Real: hostnamectl; tests: a recording driver (renaming the test machine is not an option). */
export interface HostnameDriver {
  get(): Promise<string>;
  set(name: string): Promise<void>;
}

/** Everything the Redfish resources use, passed in; nothing here starts work by itself. */
export interface RedfishDeps {
  /** Id of the one ComputerSystem and Chassis (the agent id). */
  systemId: string;
  /** umec version: Manager.FirmwareVersion. */
  version: string;
  accounts: AccountStore;
  sessions: SessionStore;
  settings: SettingsStore;
  tasks: TaskStore;
  hardware: HardwareSource;
  hostname: HostnameDriver;
  /** Absent when this box has no A/B firmware configured: UpdateService is then disabled. */
  firmware?: FirmwareEngine;
  /** Absent: ComputerSystem.Reset answers 503. */
  power?: PowerDriver;
  /** Ports the service listens on, for ManagerNetworkProtocol. */
  protocol: { https?: number; http?: number };
  log?: Logger;
}

export const MANAGER_ID = 'agent';

export interface Principal {
  username: string;
  accountId: string;
  role: import('./roles.js').RoleId;
  sessionId?: string;
}

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
  interface FastifyContextConfig { privilege?: import('./roles.js').Privilege | 'Self'; public?: boolean }
}
