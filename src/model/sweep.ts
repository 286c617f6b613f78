// Sweep model: residue found or fixed per host and kind, coverage, the diff against the previous sweep.

/** report: check mode only; fix: the contracts apply, within every limit the playbooks set. */
export type SweepMode = 'report' | 'fix';

export const SWEEP_MODES: readonly SweepMode[] = ['report', 'fix'];

/**
 * One residue item's state after the sweep:
 * found: a contract's check said a change is needed (report mode);
 * fixed: applied and verified (fix mode);
 * unfixed: check said a change is needed but the fix did not happen or failed (fix mode: a budget, an error).
 */
export type ResidueState = 'found' | 'fixed' | 'unfixed';

export const RESIDUE_STATES: readonly ResidueState[] = ['found', 'fixed', 'unfixed'];

/** Against the previous sweep of the same inventory (and shard): seen by it or not. */
export type ResidueChange = 'new' | 'still';

/** Where the fix can be undone: the journaled snapshot and the rendered rollback. */
export interface ResidueAction {
  /** the snapshot's stdout, capped for reports (the journal keeps it whole) */
  snapshot?: string;
  snapshotTruncated?: boolean;
  /** the rendered rollback command (masked), null when the task declares none */
  rollback: string | null;
  /** the CLI command that rolls this step's task back on this host */
  rollbackCommand: string;
}

export interface Residue {
  host: string;
  kind: string;
  /** stable identity of the item within (host, kind): its sorted-key JSON, or the task name when the task has no loop */
  id: string;
  /** the item for people (a string item as is) */
  item: string;
  state: ResidueState;
  /** the check's first line of output: why this is residue */
  detail?: string;
  /** index into SweepReport.playbooks */
  playbook: number;
  play: number;
  task: number;
  taskName: string;
  runId: string;
  change?: ResidueChange;
  action?: ResidueAction;
}

/** A residue seen by the previous sweep, for gone/unverified lists. */
export interface ResidueRef {
  host: string;
  kind: string;
  id: string;
  item: string;
}

/** not-started: the host was targeted but a run stopped early (canary, max_fail_percentage, interrupt) before it. */
export type CoverageState = 'scanned' | 'unreachable' | 'hung' | 'failed' | 'not-started';

export interface HostCoverage {
  state: CoverageState;
  reason?: string;
  /** indexes of the playbooks that targeted the host */
  playbooks: number[];
  /** residue items on this host (any state) */
  residue: number;
}

export interface SweepPlaybook {
  path: string;
  /** run id of this playbook's run; absent when it did not run (interrupted before it) */
  runId?: string;
  /** the run command's own exit code */
  exitCode?: number;
  /** residue kinds the playbook's contract tasks declare */
  kinds: string[];
  hosts: number;
  aborted?: string;
  limitReached?: string;
  interrupted?: boolean;
}

export interface SweepError {
  host: string;
  playbook: number;
  taskName: string;
  reason: string;
}

export interface SweepDiff {
  previous: { sweepId: string; startedAt: string } | null;
  new: number;
  still: number;
  /** seen by the previous sweep; the host was scanned for that kind now and it is not there */
  gone: ResidueRef[];
  /** seen by the previous sweep; the host or kind was not scanned now, so nobody knows */
  unverified: ResidueRef[];
}

export interface KindTotals {
  found: number;
  fixed: number;
  unfixed: number;
  /** hosts with at least one item of this kind */
  hosts: number;
  new: number;
  gone: number;
}

export type SweepStatus = 'clean' | 'residue-found' | 'residue-fixed' | 'errors' | 'partial-coverage' | 'interrupted' | 'state-error';

export interface SweepReport {
  version: 1;
  sweepId: string;
  mode: SweepMode;
  /** inventory arguments as given (paths made absolute) */
  inventory: string[];
  /** the key sweeps of this inventory (and shard) share: lock, previous sweep, history */
  inventoryKey: string;
  /** "K/N" or null */
  shard: string | null;
  limit: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  status: SweepStatus;
  exitCode: number;
  interrupted: boolean;
  stateError?: string;
  playbooks: SweepPlaybook[];
  coverage: {
    targeted: number;
    scanned: number;
    unreachable: number;
    hung: number;
    failed: number;
    notStarted: number;
  };
  /** every targeted host, in inventory order */
  hosts: Record<string, HostCoverage>;
  totals: { found: number; fixed: number; unfixed: number; hostsWithResidue: number; new: number; still: number; gone: number };
  byKind: Record<string, KindTotals>;
  residue: Residue[];
  errors: SweepError[];
  diff: SweepDiff;
}
