import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { isNotFound } from '../lib/errors.js';

export type Role = 'agent' | 'master';

export interface InstallOptions {
  role: Role;
  /** Everything is written under this root ("/" on a real box; a temp dir in tests and image builds). */
  root: string;
  /** The command that runs umec (default: this node and this checkout's cli/bin/run.js). */
  exec?: string;
  config: string;
  dataDir: string;
  /** agent only: also NoNewPrivileges and a read-only system (a box whose agent only runs containers). */
  confined?: boolean;
  /** Settings written into a new default config (never into an existing one). */
  settings?: Record<string, string>;
}

export interface PlannedFile { path: string; content: string; mode: number; existing: 'replace' | 'keep' }
export interface InstallStep { path: string; action: 'created' | 'updated' | 'unchanged' | 'kept' }

/** This checkout's CLI entry: dist/cli and dist/bundle are both two levels under the package root. */
export function defaultExec(): string {
  return `${process.execPath} ${fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url))}`;
}

const MASTER_HARDENING = (dataDir: string) => [
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  `ReadWritePaths=-${dataDir}`,
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'SystemCallArchitectures=native',
  'CapabilityBoundingSet=',
  'UMask=0077',
];

// The agent is the box's configuration manager: states write /etc and /usr (files, packages), manage
// services and containers, and firmware updates write /boot; so by default it keeps a writable system
// and the right to run setuid helpers (cmd.run runas). --confined is for boxes where that is not needed.
const AGENT_HARDENING = (dataDir: string, config: string, confined: boolean) => [
  'PrivateTmp=yes',
  'ProtectKernelLogs=yes',
  'ProtectClock=yes',
  'RestrictRealtime=yes',
  'LockPersonality=yes',
  'UMask=0022',
  ...(confined ? [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    `ReadWritePaths=-${dataDir} -${dirname(config)} -/var/lib/containers -/run`,
    'ProtectKernelModules=yes',
    'ProtectKernelTunables=yes',
  ] : [
    '# NoNewPrivileges and ProtectSystem are left off: states manage /etc, /usr and services (see umec agent install --confined)',
    'ProtectSystem=no',
  ]),
];

export function unitText(o: InstallOptions): string {
  const exec = o.exec ?? defaultExec();
  const hardening = o.role === 'master' ? MASTER_HARDENING(o.dataDir) : AGENT_HARDENING(o.dataDir, o.config, o.confined === true);
  return `# written by umec ${o.role} install; run it again to update, edit ${o.config} for settings
[Unit]
Description=umec ${o.role === 'master' ? 'master (fleet state and jobs)' : 'agent (µMEC box management)'}
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=${exec} ${o.role} start --config ${o.config}
Restart=always
RestartSec=5
# logs are JSON lines on stderr: the journal keeps them (journalctl -u umec-${o.role})
StandardOutput=journal
StandardError=journal
SyslogIdentifier=umec-${o.role}
KillSignal=SIGTERM
TimeoutStopSec=30
${hardening.join('\n')}

[Install]
WantedBy=multi-user.target
`;
}

const yamlLine = (k: string, v: string) => `${k}: ${JSON.stringify(v)}`;

export function defaultConfig(o: InstallOptions): string {
  const set = (k: string, d: string) => yamlLine(k, o.settings?.[k] ?? d);
  if (o.role === 'master') {
    return `# umec master settings (umec master install writes this once and never overwrites it)
${set('data_dir', o.dataDir)}
${set('state_root', '/srv/umec/states')}
${set('pillar_root', '/srv/umec/pillar')}
${set('interface', '0.0.0.0')}
publish_port: 4505
return_port: 4506
log_level: info
# Jobs the master starts by itself, e.g. a nightly drift report across the fleet:
# schedule:
#   nightly-drift:
#     cron: '0 3 * * *'
#     target: '*'
#     function: apply
#     args: {test: true}
#     splay: 600
`;
  }
  const master = o.settings?.master ? `${yamlLine('master', o.settings.master)}\n` : '# master: master.example.net:4506   (or in the bootstrap file)\n';
  const pub = o.settings?.master_pubkey ? `${yamlLine('master_pubkey', o.settings.master_pubkey)}\n` : '# master_pubkey: <umec key master>  (or in the bootstrap file)\n';
  return `# umec agent settings (umec agent install writes this once and never overwrites it)
${master}${pub}${o.settings?.id ? `${yamlLine('id', o.settings.id)}\n` : ''}${set('data_dir', o.dataDir)}
log_level: info
# First boot: master, master_pubkey and an enrolment token from the boot partition
bootstrap:
  file: /boot/umec-bootstrap.yaml
# Box-local jobs, e.g. keep the box compliant every hour:
# schedule:
#   hourly-highstate:
#     cron: '0 * * * *'
#     function: apply
#     splay: 300
`;
}

/** What install writes: pure, from the options. */
export function planInstall(o: InstallOptions): PlannedFile[] {
  return [
    { path: join(o.root, 'etc/systemd/system', `umec-${o.role}.service`), content: unitText(o), mode: 0o644, existing: 'replace' },
    { path: join(o.root, o.config), content: defaultConfig(o), mode: o.role === 'master' ? 0o600 : 0o600, existing: 'keep' },
  ];
}

/** Writes what differs; an existing config is kept as the operator left it. Idempotent. */
export async function executeInstall(plan: PlannedFile[], dirs: string[]): Promise<InstallStep[]> {
  const steps: InstallStep[] = [];
  for (const f of plan) {
    let cur: string | undefined;
    try { cur = await readFile(f.path, 'utf8'); } catch (e) { if (!isNotFound(e)) throw e; }
    if (cur !== undefined && (f.existing === 'keep' || cur === f.content)) {
      steps.push({ path: f.path, action: f.existing === 'keep' && cur !== f.content ? 'kept' : 'unchanged' });
      continue;
    }
    await mkdir(dirname(f.path), { recursive: true, mode: 0o755 });
    await writeFileAtomic(f.path, f.content, { mode: f.mode });
    steps.push({ path: f.path, action: cur === undefined ? 'created' : 'updated' });
  }
  for (const d of dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  return steps;
}

/** On a real root: reload systemd when the unit changed, enable (and start) the service. */
export async function enableUnit(role: Role, changed: boolean, now: boolean): Promise<string[]> {
  const run = promisify(execFile);
  const done: string[] = [];
  if (changed) { await run('systemctl', ['daemon-reload']); done.push('systemctl daemon-reload'); }
  const args = ['enable', ...(now ? ['--now'] : []), `umec-${role}.service`];
  await run('systemctl', args);
  done.push(`systemctl ${args.join(' ')}`);
  return done;
}
