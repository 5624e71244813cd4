import type { Readable } from 'node:stream';

/**
 * The container runtime as the state modules see it. The Docker Engine API
 * driver (Docker or `podman system service`) implements it in agent/; a
 * Kubernetes driver can implement the same calls later.
 */
export interface ContainerRuntime {
  /** Where the runtime is, for messages (a socket path, a cluster URL). */
  readonly endpoint: string;
  inspectContainer(name: string): Promise<ContainerInfo | undefined>;
  /** Containers (running or not) carrying all of these labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerInfo[]>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Pulls from a registry; throws UmecError IMAGE_NOT_FOUND when the registry has no such image or cannot be reached. */
  pullImage(ref: string): Promise<void>;
  /** Loads a docker-archive (`docker save` / `podman save`) tarball. */
  loadImage(archive: Readable, what?: string): Promise<void>;
  tagImage(id: string, ref: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
  /** Creates (not starts) a container; returns its id. */
  createContainer(spec: ContainerSpec): Promise<string>;
  /** `spec` only sharpens error messages (which host ports were asked for). */
  startContainer(name: string, spec?: ContainerSpec): Promise<void>;
  stopContainer(name: string, timeoutSec: number): Promise<void>;
  removeContainer(name: string): Promise<void>;
  renameContainer(name: string, to: string): Promise<void>;
  /**
   * The container's state with a fresh health verdict: runtimes that do not
   * schedule health checks themselves (Podman without systemd) run one now.
   */
  probeHealth(name: string): Promise<ContainerInfo | undefined>;
}

export interface PortBinding { hostIp: string; hostPort: number; containerPort: number; protocol: 'tcp' | 'udp' }
export interface VolumeMount { source: string; target: string; readOnly: boolean }

/** Seconds throughout. */
export interface HealthSpec { test: string[]; interval: number; timeout: number; retries: number; start_period: number }

export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** Everything a container is created from; its hash goes into a label to tell later whether it changed. */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  env: Record<string, string>;
  ports: PortBinding[];
  volumes: VolumeMount[];
  restart: RestartPolicy;
  /** Bytes. */
  memory?: number;
  cpus?: number;
  labels: Record<string, string>;
  network_mode?: string;
  healthcheck?: HealthSpec;
  user?: string;
  read_only: boolean;
  /** Every capability is dropped; these are given back. */
  cap_add: string[];
}

export type Health = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ContainerInfo {
  id: string;
  name: string;
  /** Image id (sha256:...) the container runs. */
  imageId: string;
  labels: Record<string, string>;
  running: boolean;
  status: string;
  exitCode: number;
  health: Health;
}

export interface ImageInfo { id: string; tags: string[] }
