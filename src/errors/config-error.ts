// Bad playbook/inventory/extra-vars: carries every diagnostic found, so all are reported at once.
import { FleetError } from './fleet-error.js';
import { ExitCode } from './exit-codes.js';
import type { Diagnostic } from './diagnostic.js';

export class ConfigError extends FleetError {
  readonly diagnostics: Diagnostic[];
  /** file path -> text, for rendering the offending lines */
  readonly sources: Map<string, string>;
  constructor(diagnostics: Diagnostic[], sources: Map<string, string> = new Map()) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(errors[0]?.code ?? 'config.invalid', `${errors.length} problem(s) in configuration`, { exitCode: ExitCode.CONFIG });
    this.diagnostics = diagnostics;
    this.sources = sources;
  }
}
