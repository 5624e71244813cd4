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
