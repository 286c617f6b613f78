// Base of every error that crosses a layer: a stable dotted code and a suggested exit code.
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export class FleetError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, message: string, opts: { exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = opts.exitCode ?? ExitCode.INTERNAL;
  }
}
