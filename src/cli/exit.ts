// The one exit funnel: every error becomes a message on stderr and a documented exit code.
import { CommanderError } from 'commander';
import { ConfigError, ExitCode, FleetError, formatDiagnostic } from '../errors/index.js';

export function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
    return ExitCode.USAGE; // commander already printed the message
  }
  if (err instanceof ConfigError) {
    for (const d of err.diagnostics) process.stderr.write(formatDiagnostic(d, err.sources.get(d.loc.file)) + '\n');
    const n = err.diagnostics.filter((d) => d.severity === 'error').length;
    process.stderr.write(`fleetsweep: ${n} error(s) in configuration; no host was contacted\n`);
    return err.exitCode;
  }
  if (err instanceof FleetError) {
    process.stderr.write(`fleetsweep: ${err.code}: ${err.message}\n`);
    if (verbose && err.cause) process.stderr.write(`  caused by: ${String((err.cause as Error)?.stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`fleetsweep: internal error: ${(err as Error)?.stack ?? String(err)}\nThis is a bug; please report it with the command line you ran.\n`);
  return ExitCode.INTERNAL;
}
