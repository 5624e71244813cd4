import type { ServiceDriver, ServiceStatus } from '../../states/types.js';

export interface FakeUnit { active: boolean; enabled: boolean }
export type ServiceVerb = 'status' | 'start' | 'stop' | 'restart' | 'reload' | 'enable' | 'disable';

/**
 * In-memory services: `units` maps a name to its state (names not in the map do not
 * exist). Every call is recorded in `calls` as [verb, name].
 */
export class FakeServiceDriver implements ServiceDriver {
  readonly units: Map<string, FakeUnit>;
  readonly calls: Array<[ServiceVerb, string]> = [];
  /** verb -> error message thrown by that verb. */
  readonly failures = new Map<ServiceVerb, string>();
  /** When true, start() succeeds but the unit stays inactive (it crashes right away). */
  startDoesNotStick = false;

  constructor(units: Record<string, FakeUnit> = {}) {
    this.units = new Map(Object.entries(units).map(([k, v]) => [k, { ...v }]));
  }

  /** Recorded calls other than status queries. */
  get actions(): Array<[ServiceVerb, string]> {
    return this.calls.filter(([v]) => v !== 'status');
  }

  private act(verb: ServiceVerb, name: string): FakeUnit {
    this.calls.push([verb, name]);
    const failure = this.failures.get(verb);
    if (failure) throw new Error(failure);
    const u = this.units.get(name);
    if (!u) throw new Error(`systemctl ${verb} ${name}.service exited with code 5: Unit ${name}.service not found.`);
    return u;
  }

  async status(name: string): Promise<ServiceStatus> {
    this.calls.push(['status', name]);
    const failure = this.failures.get('status');
    if (failure) throw new Error(failure);
    const u = this.units.get(name);
    return u ? { exists: true, active: u.active, enabled: u.enabled } : { exists: false, active: false, enabled: false };
  }

  async start(name: string): Promise<void> { const u = this.act('start', name); if (!this.startDoesNotStick) u.active = true; }
  async stop(name: string): Promise<void> { this.act('stop', name).active = false; }
  async restart(name: string): Promise<void> { this.act('restart', name).active = true; }
  async reload(name: string): Promise<void> { this.act('reload', name); }
  async enable(name: string): Promise<void> { this.act('enable', name).enabled = true; }
  async disable(name: string): Promise<void> { this.act('disable', name).enabled = false; }
}
