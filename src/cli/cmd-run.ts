// `fleetsweep run PLAYBOOK`: load and check everything, then run over the fleet and print the recap.
import type { Command } from 'commander';
import { ExitCode, formatDiagnostic, UsageError } from '../errors/index.js';
import { selectHosts } from '../config/patterns.js';
import { connect } from '../transport/index.js';
import { runPlaybook } from '../runner/run.js';
import type { RunResult } from '../runner/types.js';
import type { EventSink, RunEvent } from '../model/events.js';
import { ProgressSink } from '../report/progress.js';
import { renderRecap } from '../report/recap.js';
import { writeJsonReport } from '../report/json-report.js';
import { colorsFor } from '../report/colors.js';
import { collect, collectCsv, durationMs, positiveInt } from './options.js';
import { loadAll } from './load.js';
import { promptSecret } from './prompt.js';
import { newRunId } from './run-id.js';
import { didYouMean } from '../errors/diagnostic.js';

export interface RunFlags {
  inventory?: string[];
  limit?: string;
  forks: number;
  check?: boolean;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  json?: string;
  verbose: number;
  timeout: number;
  connectTimeout: number;
  acceptNewHostKeys?: boolean;
  askBecomePass?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a playbook over the inventory')
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable); default: implicit localhost', collect)
    .option('-l, --limit <pattern>', 'limit to hosts matching the pattern (names, groups, globs, !exclude, &intersect, @file)')
    .option('-f, --forks <n>', 'hosts to run at once', positiveInt('--forks'), 50)
    .option('-C, --check', 'run only read-only steps and report what would change')
    .option('-e, --extra-vars <vars>', 'key=value, JSON/YAML, or @file (repeatable; highest precedence)', collect, [])
    .option('-t, --tags <tags>', 'only run tasks with these tags (comma separated, repeatable)', collectCsv, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags', collectCsv, [])
    .option('--json <file>', 'write the machine-readable report to FILE ("-" for stdout)')
    .option('-v, --verbose', 'show commands and outputs (repeat for more)', (_v: string, n: number) => n + 1, 0)
    .option('--timeout <duration>', 'default deadline of one remote command', durationMs('--timeout'), 60_000)
    .option('--connect-timeout <duration>', 'deadline to connect and authenticate', durationMs('--connect-timeout'), 10_000)
    .option('--accept-new-host-keys', 'trust unknown host keys on first use and record them (a changed key is still refused)')
    .option('-K, --ask-become-pass', 'prompt for the sudo password (or set FLEETSWEEP_BECOME_PASSWORD)')
    .action(async (playbook: string, flags: RunFlags) => {
      process.exitCode = await runCommand(playbook, flags);
    });
}

export async function runCommand(playbookPath: string, flags: RunFlags): Promise<number> {
  const cwd = process.cwd();
  const loaded = loadAll(playbookPath, flags.inventory, flags.extraVars, cwd);
  const err = process.stderr;
  for (const w of loaded.warnings) err.write(formatDiagnostic(w) + '\n');
  if (flags.limit) {
    const sel = selectHosts(loaded.inventory, flags.limit, { cwd });
    if (sel.hosts.length === 0) {
      const hint = sel.unknown[0] ? didYouMean(sel.unknown[0], [...loaded.inventory.hosts.keys(), ...loaded.inventory.groups.keys()]) : undefined;
      throw new UsageError('usage.limitMatchesNothing', `--limit "${flags.limit}" matches no host${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  }
  const becomePassword = flags.askBecomePass ? await promptSecret('BECOME password: ') : process.env.FLEETSWEEP_BECOME_PASSWORD || undefined;

  const interrupt = new AbortController();
  const hardStop = new AbortController();
  const onSignal = () => {
    if (!interrupt.signal.aborted) {
      err.write('\nfleetsweep: interrupted: no new work starts; running commands finish or hit their deadline (again to kill them now)\n');
      interrupt.abort();
    } else hardStop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const colors = colorsFor(err);
  const progress = new ProgressSink({ stream: err, colors, verbose: flags.verbose });
  const sink: EventSink = { emit: (e: RunEvent) => progress.emit(e) };
  const runId = newRunId();
  let result: RunResult;
  try {
    result = await runPlaybook({
      runId, playbook: loaded.playbook, inventory: loaded.inventory, limit: flags.limit, forks: flags.forks,
      check: Boolean(flags.check), extraVars: loaded.extraVars, tags: flags.tags, skipTags: flags.skipTags,
      acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), becomePassword, timeoutMs: flags.timeout,
      connectTimeoutMs: flags.connectTimeout, cwd, sink, interrupt: interrupt.signal, hardStop: hardStop.signal, connect,
    });
  } finally {
    progress.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  // the recap is the command's output; it moves to stderr when stdout carries the JSON report
  const out = flags.json === '-' ? err : process.stdout;
  out.write(renderRecap(result, colorsFor(out), { playbook: playbookPath, check: Boolean(flags.check) }) + '\n');
  if (flags.json) {
    await writeJsonReport(flags.json, result, { playbook: playbookPath, inventory: flags.inventory ?? [], check: Boolean(flags.check), argv: process.argv.slice(2) });
  }
  return exitCodeOf(result);
}

/** Interrupted beats a journal failure beats failed beats unreachable; ignored failures do not count. */
export function exitCodeOf(r: RunResult): number {
  if (r.interrupted) return ExitCode.INTERRUPTED;
  if (r.stateError) return ExitCode.STATE;
  if (r.hosts.some((h) => h.outcome === 'failed' || h.outcome === 'hung') || r.aborted) return ExitCode.TASK_FAILED;
  if (r.hosts.some((h) => h.outcome === 'unreachable')) return ExitCode.UNREACHABLE;
  return ExitCode.OK;
}
