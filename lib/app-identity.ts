/**
 * The Mp1 identity of a deployed app instance: the agent's Mp1 server issues
 * it, app deployment injects it into the app's containers as env vars.
 */
export interface AppIdentity {
  appInstanceId: string;
  /** OAuth2 client credentials for POST /oauth/token on the Mp1 server. */
  clientId: string;
  clientSecret: string;
}

export interface AppIdentityProvider {
  /** Returns the instance's identity, creating and storing it (durably) on first use. Same id → same identity. */
  ensure(appInstanceId: string, meta?: { appName?: string; appVersion?: string }): Promise<AppIdentity>;
  /** Forgets the instance and revokes its credentials (its services, subscriptions and rules go too). */
  remove(appInstanceId: string): Promise<void>;
  /** Base URL apps use for Mp1, e.g. https://<box>:8081 (what MEP_ENDPOINT gets). */
  endpoint(): string;
}

/** Env vars an app container receives. */
export const APP_IDENTITY_ENV = {
  instanceId: 'MEC_APP_INSTANCE_ID',
  clientId: 'MEC_APP_CLIENT_ID',
  clientSecret: 'MEC_APP_CLIENT_SECRET',
  endpoint: 'MEC_MP1_ENDPOINT',
} as const;

export function identityEnv(id: AppIdentity, endpoint: string): Record<string, string> {
  return {
    [APP_IDENTITY_ENV.instanceId]: id.appInstanceId,
    [APP_IDENTITY_ENV.clientId]: id.clientId,
    [APP_IDENTITY_ENV.clientSecret]: id.clientSecret,
    [APP_IDENTITY_ENV.endpoint]: endpoint,
  };
}
