/** A boot loader's environment: named string variables the bootloader reads at boot. */
export interface BootEnv {
  /** Human-readable description (driver and file) for messages. */
  readonly where: string;
  read(): Promise<Record<string, string>>;
  /** Sets all given variables in one write, so the bootloader never sees half of them. */
  write(vars: Record<string, string>): Promise<void>;
}
