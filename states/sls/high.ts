import type { SourcePos } from '../../lib/errors.js';
import type { Node } from 'yaml';

/** One argument as written in the SLS, with where it was written. */
export interface ArgDecl {
  key: string;
  value: unknown;
  pos: SourcePos;
  /** Positions of list items, for requisites. */
  itemPos: SourcePos[];
}

/** `module.function: [args]` under one ID. */
export interface ModuleDecl {
  module: string;
  fun?: string;
  args: ArgDecl[];
  pos: SourcePos;
}

/** One state ID as declared (Salt's high data). */
export interface IdDecl {
  id: string;
  sls: string;
  pos: SourcePos;
  modules: ModuleDecl[];
  /** Definition order across the whole run. */
  index: number;
}

export interface HighData {
  ids: Map<string, IdDecl>;
  /** SLS names in load order. */
  sls: string[];
}

export type { Node };
