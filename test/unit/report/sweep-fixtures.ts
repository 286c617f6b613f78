// Builders for sweep tests: run results as the runner hands them over, and sweep reports built from them.
import type { CommandResult, HostSummary, ItemResult, Outcome, TaskResult } from '../../../src/model/outcome.js';
import { OUTCOMES } from '../../../src/model/outcome.js';
import type { SweepMode, SweepReport } from '../../../src/model/sweep.js';
import type { RunResult } from '../../../src/runner/types.js';
import { SWEEP_EXIT } from '../../../src/errors/exit-codes.js';
import { buildSweepReport, type SweepInput, type SweepRunInput } from '../../../src/report/sweep-summary.js';

export function cmd(rc: number | null, stdout = '', over: Partial<CommandResult> = {}): CommandResult {
  return { rc, stdout, stderr: '', durationMs: 3, timedOut: false, truncated: false, ...over };
}

/** An item of a contract loop: 'found' = check rc 0 in check mode, 'fixed' = applied and verified, ... */
export function item(value: unknown, how: 'found' | 'fixed' | 'clean' | 'apply-failed' | 'budget' | 'check-failed' | 'check-hung', why = 'stale'): ItemResult {
  switch (how) {
    case 'found': return { item: value, outcome: 'would-change', reason: why, phases: { check: cmd(0, why) } };
    case 'fixed': return { item: value, outcome: 'changed', reason: why, phases: { check: cmd(0, why), snapshot: cmd(0, 'snap'), apply: cmd(0), verify: cmd(0) } };
    case 'clean': return { item: value, outcome: 'ok', reason: 'in use', phases: { check: cmd(1, 'in use') } };
    case 'apply-failed': return { item: value, outcome: 'failed', reason: 'apply failed (rc=1: busy)', phases: { check: cmd(0, why), snapshot: cmd(0, 'snap'), apply: cmd(1, '', { stderr: 'busy' }) } };
    case 'budget': return { item: value, outcome: 'skipped', reason: 'max_changes 1 for the run reached: not applied', phases: { check: cmd(0, why) } };
    case 'check-failed': return { item: value, outcome: 'failed', reason: 'check failed (rc=2); nothing applied', phases: { check: cmd(2) } };
    case 'check-hung': return { item: value, outcome: 'hung', reason: 'check did not finish before its deadline; nothing applied', phases: { check: cmd(null, '', { timedOut: true }) } };
  }
}

export function task(host: string, play: number, taskIdx: number, name: string, outcome: Outcome, items?: ItemResult[], over: Partial<TaskResult> = {}): TaskResult {
  return { host, play, task: taskIdx, name, loc: { file: 'pb.yml', line: 1, col: 1 }, outcome, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, ...(items ? { items } : {}), ...over };
}

export function host(name: string, outcome: Outcome, reason?: string): HostSummary {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  return { host: name, outcome, counts, ...(reason ? { reason } : {}) };
}

export function run(runId: string, hosts: HostSummary[], results: TaskResult[], over: Partial<RunResult> = {}): RunResult {
  return { runId, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:10.000Z', interrupted: false, results, hosts, ...over };
}

export function sweep(mode: SweepMode, runs: SweepRunInput[], over: Partial<SweepInput> = {}): SweepReport {
  return buildSweepReport({
    sweepId: 'S2', mode, inventory: ['/inv/prod.yml'], inventoryKey: 'prod-0123456789', shard: null, limit: null,
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:12.500Z', hostOrder: runs.flatMap((r) => r.result?.hosts.map((h) => h.host) ?? []),
    runs, interrupted: false, previous: null, exitCodeFor: (s) => SWEEP_EXIT[s], ...over,
  });
}

export const LOCK_KINDS = new Map([['0/1', 'stale-lock']]);
