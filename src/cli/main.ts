#!/usr/bin/env node
// fleetsweep's entry point: builds the command line and funnels every outcome into one exit code.
import { Command, Help } from 'commander';
import { createRequire } from 'node:module';
import { EXIT_CODE_TABLE } from '../errors/exit-codes.js';
import { reportError } from './exit.js';
import { registerRun } from './cmd-run.js';
import { registerInventory } from './cmd-inventory.js';
import { registerParse } from './cmd-parse.js';
import { registerRuns } from './cmd-runs.js';
import { registerRollback } from './cmd-rollback.js';
import { registerResume } from './cmd-resume.js';
import { registerSweep } from './cmd-sweep.js';
import { registerFactFilters } from '../runner/fact-filters.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('fleetsweep')
    .description('Find and safely clean storage residue (stale RBD watchers, residual multipath maps) across a fleet over SSH')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true } as Partial<Help>)
    .addHelpText('after', '\nExit codes:\n' + EXIT_CODE_TABLE.map(([c, t]) => `  ${String(c).padStart(3)}  ${t}`).join('\n'));
  registerRun(program);
  registerInventory(program);
  registerParse(program);
  registerRuns(program);
  registerRollback(program);
  registerResume(program);
  registerSweep(program);
  program.commands.forEach((c) => c.exitOverride());
  program.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  registerFactFilters();
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err, verbose);
  }
}

// `fleetsweep --help | head`: a closed pipe ends the output, not the program with a stack trace
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
