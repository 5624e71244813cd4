import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { isAgentId } from '../lib/ids.js';

export interface AgentInfo {
  id: string;
  grains: Record<string, unknown>;
  lastSeen: number;
}

/**
 * What the master knows of each agent: the grains it last reported (kept on
 * disk so grain targeting works right after a master restart) and when it was
 * last heard from.
 */
export class AgentRegistry {
  private readonly agents = new Map<string, AgentInfo>();

  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<AgentRegistry> {
    const r = new AgentRegistry(dir);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const f of await readdir(dir)) {
      const id = f.replace(/\.json$/, '');
      if (!f.endsWith('.json') || !isAgentId(id)) continue;
      try {
        const grains = JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>;
        r.agents.set(id, { id, grains, lastSeen: 0 });
      } catch { /* a damaged cache entry is refreshed by the agent's next hello */ }
    }
    return r;
  }

  get(id: string): AgentInfo | undefined { return this.agents.get(id); }
  all(): AgentInfo[] { return [...this.agents.values()]; }

  seen(id: string): void {
    const a = this.agents.get(id);
    if (a) a.lastSeen = Date.now();
    else this.agents.set(id, { id, grains: { id }, lastSeen: Date.now() });
  }

  async setGrains(id: string, grains: Record<string, unknown>): Promise<void> {
    const prev = this.agents.get(id);
    this.agents.set(id, { id, grains, lastSeen: Date.now() });
    if (!prev || JSON.stringify(prev.grains) !== JSON.stringify(grains)) {
      await writeFileAtomic(join(this.dir, `${id}.json`), JSON.stringify(grains), { mode: 0o600 });
    }
  }

  forget(id: string): void {
    this.agents.delete(id);
  }
}
