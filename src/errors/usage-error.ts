// Bad command-line usage (a flag's value, a conflicting option).
import { FleetError } from './fleet-error.js';
import { ExitCode } from './exit-codes.js';

export class UsageError extends FleetError {
  constructor(code: string, message: string) {
    super(code, message, { exitCode: ExitCode.USAGE });
  }
}
