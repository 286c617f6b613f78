// The journal's data: run metadata, the JSONL record schema, and what the runner hands the writer.
import type { CommandResult, Outcome } from '../model/outcome.js';
import type { SourceLocation } from '../model/source.js';

/** Journal format version, written in run-start; a reader refuses a newer major version. */
export const JOURNAL_VERSION = 1;

export type RunKind = 'run' | 'rollback' | 'resume';

export interface RunMeta {
  /** a safe path segment: [A-Za-z0-9._-] */
  runId: string;
  kind: RunKind;
  /** the run a rollback or resume acts on */
  parentRunId?: string;
  playbook: { path: string; sha256: string };
  inventories: string[];
  /** the command line, secrets already masked by the caller */
  argv: string[];
  user: string;
  hostname: string;
  pid: number;
  check: boolean;
  /** targeted hosts when known at start (add_host may add more later) */
  hosts?: string[];
  /** working directory and the run's options (secrets masked), so `resume` can run it again */
  cwd?: string;
  options?: Record<string, unknown>;
}

/** How a run ended, as written by `close`. */
export type EndState = 'finished' | 'interrupted' | 'failed';
/** What listRuns reports: no run-end means `running` (pid alive here) or `crashed`. */
export type RunState = EndState | 'crashed' | 'running';

export type JournalPhase = 'check' | 'snapshot' | 'apply' | 'verify' | 'rollback';

export interface RunCounts {
  hosts: number;
  /** task outcomes (one per host and task) */
  outcomes: Record<Outcome, number>;
}

interface RecordBase {
  /** 1, 2, 3... in write order within one journal */
  seq: number;
  /** ISO time the record was made */
  t: string;
}

export interface RunStartRecord extends RecordBase {
  type: 'run-start';
  v: number;
  meta: RunMeta;
}

export interface RunEndRecord extends RecordBase {
  type: 'run-end';
  state: EndState;
  counts: RunCounts;
}

/** Identifies one contract step: resume and rollback match steps on (host, play, task, itemKey). */
export interface StepFields {
  host: string;
  /** play index in the playbook */
  play: number;
  /** task index in the play */
  task: number;
  taskName: string;
  /** `itemKey(item)`: '' when the task has no loop */
  itemKey: string;
}

/** A command's output as journaled (capped). */
export interface JournaledOutput {
  rc: number | null;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export interface StepBeginRecord extends RecordBase, StepFields {
  type: 'step';
  phase: JournalPhase;
  event: 'begin';
  /** masked command text */
  command?: string;
  // --- apply begin (written durably by beforeApply) ---
  /** the loop item (apply and rollback begin only), for rendering a rollback later */
  item?: unknown;
  snapshot?: JournaledOutput;
  /** the rendered rollback command; null = the task declares none */
  rollback?: string | null;
  /** the rendered check command (apply begin only), for rollback to tell whether the pre-state is back */
  check?: string;
  /** the stored rollback text is masked (it held a secret): re-render it from the task with item + snapshot */
  rollbackNeedsRender?: boolean;
  /** the task declares a verify command */
  verify?: boolean;
  taskLoc?: SourceLocation;
  // --- rollback begin (beforeRollback) ---
  /** RollbackStep.id (`<runId>#<seq of the apply begin>`) this rollback undoes */
  undoes?: string;
}

export interface StepEndRecord extends RecordBase, StepFields, JournaledOutput {
  type: 'step';
  phase: JournalPhase;
  event: 'end';
  command?: string;
}

export type StepRecord = StepBeginRecord | StepEndRecord;

export interface TaskEndRecord extends RecordBase {
  type: 'task-end';
  host: string;
  play: number;
  task: number;
  taskName: string;
  outcome: Outcome;
  reason?: string;
  ignored?: boolean;
  durationMs: number;
}

/** Anything else worth keeping with the run (a lock takeover, a host gone unreachable). */
export interface NoteRecord extends RecordBase {
  type: 'note';
  host?: string;
  message: string;
  data?: unknown;
}

export type JournalRecord = RunStartRecord | RunEndRecord | StepRecord | TaskEndRecord | NoteRecord;

// ---- what the runner passes in ----

/** A rendered command: `text` runs, `masked` may be shown. A plain string means it holds no secret. */
export type { CommandText, StepRef, ApplyEntry, RollbackEntry } from '../model/journal.js';

// ---- what readers derive ----

/**
 * verified: apply rc 0 and verify rc 0 (or no verify declared)
 * applied-unverified: apply rc 0 but verify failed, hung or never finished
 * possibly-applied: apply began but has no end (crash/hang) or was killed at its deadline
 * failed: check, snapshot or apply failed (apply rc != 0); or a rollback command failed
 * rolled-back: a rollback command for it exited 0
 * would-change: check mode, check said a change is needed
 * ok: check said nothing to do
 * incomplete: a read-only phase began, nothing was applied, the run stopped there
 */
export type StepStatus = 'verified' | 'applied-unverified' | 'possibly-applied' | 'failed' | 'rolled-back' | 'would-change' | 'ok' | 'incomplete';

/** What later rollback runs did to an applied step. */
export type PriorRollback = 'none' | 'done' | 'failed' | 'possibly';

export interface RunSummary {
  id: string;
  kind: RunKind;
  parentRunId?: string;
  playbook: string;
  check: boolean;
  startedAt: string;
  endedAt?: string;
  state: RunState;
  hosts: number;
  /** tasks changed */
  changed: number;
  /** tasks failed or hung */
  failed: number;
  outcomes: Record<Outcome, number>;
  user: string;
  hostname: string;
  pid: number;
  /** why this run could not be read properly (listRuns keeps going) */
  problem?: string;
}
