import type { Logger } from '../../lib/log.js';
import type { IdentityStore } from './identities.js';
import type { RegistryTables } from './registry-tables.js';
import type { Notifier } from './notifier.js';
import type { Mp1Schemas } from './schemas.js';

/** What the Mp1 registries share: storage, identities, notification delivery and the URLs links point at. */
export interface Mp1Context {
  registry: RegistryTables;
  identities: IdentityStore;
  notifier: Notifier;
  schemas: Mp1Schemas;
  log: Logger;
  /** Base URL apps reach the server at, without a trailing slash. */
  baseUrl: string;
}

export const SMGMT = '/mec_service_mgmt/v1';
export const APPSUP = '/mec_app_support/v1';

/** A quoted strong ETag from a row's revision counter. */
export const etagOf = (rev: number) => `"${rev}"`;
