// `fleetsweep run PLAYBOOK`: load and check everything, then run over the fleet and print the recap.
import { Option, type Command } from 'commander';
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
import { inventoryArgs, loadAll, secretValues } from './load.js';
import { promptSecret } from './prompt.js';
import { newRunId } from './run-id.js';
import { didYouMean } from '../errors/diagnostic.js';
import { resolve } from 'node:path';
import { hostname, userInfo } from 'node:os';
import type { StepRef } from '../model/journal.js';
import { openJournal, maskExtraVars } from './journal-setup.js';
import { shardOption, type Shard } from './shard.js';

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
  stateDir?: string;
  maxChanges?: number;
  lockTtl: number;
  shard?: Shard;
}

/** What `resume` adds to a run: the run it continues and the steps that run already verified. */
export interface ResumeContext {
  parentRunId: string;
  alreadyVerified: (ref: StepRef) => string | undefined;
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
    .addOption(new Option('--timeout <duration>', 'default deadline of one remote command').argParser(durationMs('--timeout')).default(60_000, '1m'))
    .addOption(new Option('--connect-timeout <duration>', 'deadline to connect and authenticate').argParser(durationMs('--connect-timeout')).default(10_000, '10s'))
    .option('--accept-new-host-keys', 'trust unknown host keys on first use and record them (a changed key is still refused)')
    .option('-K, --ask-become-pass', 'prompt for the sudo password (or set FLEETSWEEP_BECOME_PASSWORD)')
    .option('--state-dir <dir>', 'where runs are journaled (env FLEETSWEEP_STATE_DIR; default ~/.local/state/fleetsweep)')
    .option('--shard <K/N>', 'only the K-th of N stable shards of the inventory (for splitting a fleet across controllers)', shardOption)
    .option('--max-changes <n>', 'start at most N destructive steps in this run', positiveInt('--max-changes'))
    .addOption(new Option('--lock-ttl <duration>', 'a host lock older than this is stale and may be taken over').argParser(durationMs('--lock-ttl')).default(2 * 3_600_000, '2h'))
    .action(async (playbook: string, flags: RunFlags) => {
      process.exitCode = await runCommand(playbook, flags);
    });
}

export async function runCommand(playbookPath: string, flags: RunFlags, resume?: ResumeContext): Promise<number> {
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
  const check = Boolean(flags.check);
  // Nothing is contacted before the journal exists: a run that cannot be journaled does not start (exit 6).
  const journal = await openJournal({
    stateDir: flags.stateDir, runId, kind: resume ? 'resume' : 'run', parentRunId: resume?.parentRunId,
    playbook: loaded.playbook, inventories: inventoryArgs(flags.inventory), check, cwd,
    options: { playbook: resolve(playbookPath), flags: { ...flags, inventory: inventoryArgs(flags.inventory), extraVars: maskExtraVars(flags.extraVars) } },
    secrets: [...(becomePassword ? [becomePassword] : []), ...secretValues(loaded.extraVars)],
  });
  let result: RunResult | undefined;
  try {
    result = await runPlaybook({
      runId, playbook: loaded.playbook, inventory: loaded.inventory, limit: flags.limit, shard: flags.shard, forks: flags.forks,
      check, extraVars: loaded.extraVars, tags: flags.tags, skipTags: flags.skipTags,
      acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), becomePassword, timeoutMs: flags.timeout,
      connectTimeoutMs: flags.connectTimeout, cwd, sink, interrupt: interrupt.signal, hardStop: hardStop.signal, connect,
      journal, maxChanges: flags.maxChanges, alreadyVerified: resume?.alreadyVerified, resumeOf: resume?.parentRunId,
      // read-only runs take no lock: a scan must never be blocked by, or block, a cleanup
      hostLock: check ? undefined : { runId, user: userInfo().username, controller: hostname(), pid: process.pid, ttlSeconds: Math.round(flags.lockTtl / 1000) },
    });
  } finally {
    progress.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await journal.close(!result ? 'failed' : result.interrupted ? 'interrupted' : result.stateError ? 'failed' : 'finished').catch((e: unknown) => {
      err.write(`fleetsweep: could not close the journal: ${(e as Error).message}\n`);
    });
  }
  // the recap is the command's output; it moves to stderr when stdout carries the JSON report
  const out = flags.json === '-' ? err : process.stdout;
  out.write(renderRecap(result, colorsFor(out), { playbook: playbookPath, check: Boolean(flags.check) }) + '\n');
  if (flags.json) {
    await writeJsonReport(flags.json, result, { playbook: playbookPath, inventory: flags.inventory ?? [], check: Boolean(flags.check), argv: process.argv.slice(2) });
  }
  return exitCodeOf(result);
}

/** Interrupted beats a journal failure beats locked beats failed beats unreachable; ignored failures do not count. */
export function exitCodeOf(r: RunResult): number {
  if (r.interrupted) return ExitCode.INTERRUPTED;
  if (r.stateError) return ExitCode.STATE;
  const failed = r.hosts.filter((h) => h.outcome === 'failed' || h.outcome === 'hung');
  if (failed.length && failed.every((h) => /runner\.hostLocked/.test(h.reason ?? ''))) return ExitCode.LOCKED;
  if (failed.length || r.aborted) return ExitCode.TASK_FAILED;
  if (r.hosts.some((h) => h.outcome === 'unreachable')) return ExitCode.UNREACHABLE;
  return ExitCode.OK;
}
