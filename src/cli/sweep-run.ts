// `fleetsweep sweep`: under the inventory's lock, run each playbook (check mode, or fix), fold the runs into one
// sweep report, diff it with the previous sweep, record it in the history, write the reports, notify.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../errors/index.js';
import { ConfigError, ExitCode, FleetError, SWEEP_EXIT, UsageError } from '../errors/index.js';
import { didYouMean } from '../errors/diagnostic.js';
import { selectHosts } from '../config/patterns.js';
import type { SweepMode, SweepReport } from '../model/sweep.js';
import type { RunResult } from '../runner/types.js';
import { acquireLock, processIdentity, resolveStateDir, type Lock } from '../journal/index.js';
import { SWEEP_LOCK_FILE, SWEEP_LOG_FILE, readLastSweep, sweepDir, sweepKey, writeLastSweep } from '../journal/sweep-state.js';
import { appendHistory } from '../journal/history.js';
import { contractKinds } from '../report/residue-kind.js';
import { buildSweepReport, type SweepRunInput } from '../report/sweep-summary.js';
import { parseRunReport } from '../report/json-report-read.js';
import { SweepLog } from '../report/sweep-log.js';
import { STATUS_TEXT, coverageLine, renderSweepText } from '../report/sweep-text.js';
import { colorsFor } from '../report/colors.js';
import { runCommand, type RunFlags } from './cmd-run.js';
import { inventoryArgs, loadAll } from './load.js';
import { newRunId } from './run-id.js';
import { applyShard, formatShard, type Shard } from './shard.js';
import { journalActions } from './sweep-actions.js';
import type { ReportTarget } from './sweep-options.js';
import { writeSweepReports } from './sweep-reports.js';
import { startWebhook, type WebhookFlags } from './sweep-webhook.js';

export interface SweepFlags extends WebhookFlags {
  inventory: string[];
  mode: SweepMode;
  report: ReportTarget[];
  limit?: string;
  shard?: Shard;
  forks: number;
  extraVars: string[];
  tags: string[];
  skipTags: string[];
  verbose: number;
  timeout: number;
  connectTimeout: number;
  acceptNewHostKeys?: boolean;
  stateDir?: string;
  maxChanges?: number;
  lockTtl: number;
  log?: string;
}

/** The storage playbooks fleetsweep ships, swept when no playbook is named. */
export const DEFAULT_PLAYBOOKS = ['playbooks/multipath-residue.yml', 'playbooks/rbd-stale-watchers.yml'];

export async function sweepCommand(playbookArgs: string[], flags: SweepFlags): Promise<number> {
  const cwd = process.cwd();
  const playbooks = playbookArgs.length ? playbookArgs.map((p) => resolve(cwd, p)) : defaultPlaybooks();
  const stateDir = resolveStateDir(flags.stateDir);

  // Everything is loaded and checked before the lock is taken or a host contacted: a typo fails fast (exit 3).
  const { loaded, kinds } = loadEverything(playbooks, flags, cwd);
  const inventory = loaded.inventory;
  let hosts = [...inventory.hosts.keys()];
  if (flags.limit) {
    const sel = selectHosts(inventory, flags.limit, { cwd });
    if (sel.hosts.length === 0) {
      const hint = sel.unknown[0] ? didYouMean(sel.unknown[0], [...inventory.hosts.keys(), ...inventory.groups.keys()]) : undefined;
      throw new UsageError('usage.limitMatchesNothing', `--limit "${flags.limit}" matches no host${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    hosts = sel.hosts;
  }
  hosts = applyShard(hosts, flags.shard);

  const invArgs = inventoryArgs(flags.inventory);
  const key = sweepKey(invArgs, flags.shard);
  const dir = sweepDir(stateDir, key.key);
  const sweepId = newRunId();
  const startedAt = new Date().toISOString();
  const log = new SweepLog(flags.log ? resolve(cwd, flags.log) : join(dir, SWEEP_LOG_FILE), sweepId);
  const who = processIdentity();

  let lock: Lock;
  try {
    lock = await acquireLock(join(dir, SWEEP_LOCK_FILE), { runId: sweepId, pid: who.pid, hostname: who.hostname, startedAt });
  } catch (err) {
    if (err instanceof FleetError && err.code === 'state.locked') {
      log.line(`refused: another sweep of this inventory holds the lock (${err.message})`);
      throw new FleetError('state.locked', `another sweep of ${invArgs.join(', ') || 'this inventory'}${flags.shard ? ` (shard ${formatShard(flags.shard)})` : ''} is still running; this one did not start. ${err.message}`, { exitCode: ExitCode.LOCKED, cause: err });
    }
    throw err;
  }

  let stopping = false;
  const onSignal = () => { stopping = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (lock.tookOverFrom) log.line(`took over the lock of sweep ${lock.tookOverFrom.runId} (pid ${lock.tookOverFrom.pid} is gone)`);
    log.line(`start mode=${flags.mode} inventory=${invArgs.join(',') || 'localhost'}${flags.shard ? ` shard=${formatShard(flags.shard)}` : ''} hosts=${hosts.length} playbooks=${playbooks.join(',')} pid=${who.pid}`);
    const previous = readLastSweep(dir, playbooks);
    const runs: SweepRunInput[] = playbooks.map((p, i) => ({ path: p, kinds: kinds[i]! }));
    let stateError: string | undefined;
    let interrupted = false;
    for (const [i, pb] of playbooks.entries()) {
      if (stopping) { interrupted = true; break; }
      if (hosts.length === 0) break;
      const json = join(dir, `run-${sweepId}-${i}.json`);
      const code = await runCommand(pb, runFlags(flags, json));
      const result = readRunReport(json);
      runs[i] = { ...runs[i]!, exitCode: code, ...(result ? { result } : {}) };
      log.line(`playbook ${pb} run=${result?.runId ?? '-'} exit=${code}`);
      if (code === ExitCode.INTERRUPTED || result?.interrupted) { interrupted = true; break; }
      if (code === ExitCode.STATE) { stateError = `the journal of run ${result?.runId ?? '?'} could not be written`; break; }
    }
    interrupted ||= stopping;

    const report = buildSweepReport({
      sweepId, mode: flags.mode, inventory: invArgs, inventoryKey: key.key, shard: formatShard(flags.shard), limit: flags.limit ?? null,
      startedAt, endedAt: new Date().toISOString(), hostOrder: hosts, runs, interrupted, ...(stateError ? { stateError } : {}), previous,
      action: journalActions(stateDir, runs.map((r) => r.result?.runId), flags.stateDir), exitCodeFor: (s) => SWEEP_EXIT[s],
    });
    const webhook = startWebhook(report, flags, log);
    await record(stateDir, dir, playbooks, report, log);
    const written = await writeSweepReports(report, flags.report, log);
    const out = flags.report.some((r) => r.file === '-') ? process.stderr : process.stdout;
    out.write(renderSweepText(report, colorsFor(out), { reports: written }) + '\n');
    log.line(`${coverageLine(report)}; residue found=${report.totals.found} fixed=${report.totals.fixed} unfixed=${report.totals.unfixed} on ${report.totals.hostsWithResidue} host(s); diff new=${report.totals.new} still=${report.totals.still} gone=${report.totals.gone}`);
    await webhook.settle();
    log.line(`end exit=${report.exitCode} (${STATUS_TEXT[report.status]})`);
    if (log.problem) process.stderr.write(`fleetsweep: could not write the sweep log ${log.path}: ${log.problem}\n`);
    return report.exitCode;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lock.release().catch(() => undefined);
  }
}

/** History first, then the baseline for the next diff with these playbooks (an interrupted sweep is none: it saw too little). */
async function record(stateDir: string, dir: string, playbooks: string[], report: SweepReport, log: SweepLog): Promise<void> {
  try {
    appendHistory(stateDir, report);
    if (!report.interrupted) await writeLastSweep(dir, playbooks, report);
  } catch (err) {
    log.line(`state: ${(err as Error).message}`);
    process.stderr.write(`fleetsweep: ${(err as Error).message}\n`);
  }
}

function runFlags(f: SweepFlags, json: string): RunFlags {
  return {
    inventory: f.inventory, ...(f.limit ? { limit: f.limit } : {}), ...(f.shard ? { shard: f.shard } : {}), forks: f.forks, check: f.mode === 'report',
    extraVars: f.extraVars, tags: f.tags, skipTags: f.skipTags, json, verbose: f.verbose, timeout: f.timeout, connectTimeout: f.connectTimeout,
    ...(f.acceptNewHostKeys ? { acceptNewHostKeys: true } : {}), ...(f.stateDir ? { stateDir: f.stateDir } : {}),
    ...(f.maxChanges !== undefined ? { maxChanges: f.maxChanges } : {}), lockTtl: f.lockTtl,
  };
}

function readRunReport(file: string): RunResult | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return parseRunReport(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FleetError('internal.runReport', `cannot read back the run report ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    try { unlinkSync(file); } catch { /* already gone */ }
  }
}

function loadEverything(playbooks: string[], flags: SweepFlags, cwd: string) {
  const problems: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const kinds: Map<string, string>[] = [];
  let first: ReturnType<typeof loadAll> | undefined;
  for (const pb of playbooks) {
    try {
      const l = loadAll(pb, flags.inventory, flags.extraVars, cwd);
      first ??= l;
      kinds.push(contractKinds(l.playbook));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // the inventory's problems come back with every playbook: report each once
      for (const d of err.diagnostics) if (!problems.some((p) => JSON.stringify(p) === JSON.stringify(d))) problems.push(d);
      for (const [k, v] of err.sources) sources.set(k, v);
    }
  }
  if (problems.length || !first) throw new ConfigError(problems, sources);
  return { loaded: first, kinds };
}

function defaultPlaybooks(): string[] {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const found = DEFAULT_PLAYBOOKS.map((p) => join(root, p)).filter((p) => existsSync(p));
  if (!found.length) throw new UsageError('usage.noPlaybook', `no playbook given and none of the default ones (${DEFAULT_PLAYBOOKS.join(', ')}) exists under ${root}`);
  return found;
}
