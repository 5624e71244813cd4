import type { ImageSource } from '../containers/images.js';
import type { AppDescriptor } from './descriptor.js';

/** An app package ready to deploy: its descriptor and, per image_file, where the tarball comes from. */
export interface AppPackage {
  descriptor: AppDescriptor;
  /** Names the package in messages. */
  origin: string;
  /** The image tarball `file` (a path inside the package), fetched only if the image is not on the box. */
  image(file: string): ImageSource;
}

/** On-boarded packages (the master's catalog, fetched by the agent). */
export interface AppPackageSource {
  /** Throws UmecError APP_NOT_FOUND. Without a version: the newest on-boarded one. */
  get(name: string, version?: string): Promise<AppPackage>;
}

/** What the master keeps about an on-boarded package, and sends an agent that asks for it. */
export interface AppIndex {
  name: string;
  version: string;
  description?: string;
  /** sha256 over the package's (path, file hash) list. */
  digest: string;
  onboarded: string;
  containers: string[];
  /** Package files by path (posix, relative). */
  files: Record<string, { sha256: string; size: number }>;
  /** Image tarballs by path: the image id and tags their manifest names. */
  images: Record<string, { id: string; tags: string[] }>;
}
