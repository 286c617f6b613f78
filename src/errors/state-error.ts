// The state directory or journal cannot be written: the run must not apply anything it cannot journal.
import { FleetError } from './fleet-error.js';
import { ExitCode } from './exit-codes.js';

export class StateError extends FleetError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { exitCode: ExitCode.STATE, cause });
  }
}
