// Pure planning over journal records: what a rollback must undo (newest first), and where a resume picks up.
import type { Outcome } from '../model/outcome.js';
import type { SourceLocation } from '../model/source.js';
import { foldAttempts, stepKey, type Attempt } from './status.js';
import type { JournaledOutput, JournalRecord, PriorRollback, StepStatus } from './types.js';

export interface RollbackStep {
  /** `<runId>#<seq of the apply begin>`: pass it as RollbackEntry.undoes when journaling the rollback */
  id: string;
  runId: string;
  host: string;
  play: number;
  task: number;
  taskName: string;
  taskLoc?: SourceLocation;
  itemKey: string;
  item?: unknown;
  status: 'verified' | 'applied-unverified' | 'possibly-applied';
  /** the rollback command as journaled (masked when rollbackNeedsRender); undefined when missingRollback */
  command?: string;
  /** the task's check as rendered for this item: exit 0 once the pre-state is back (rollback verifies with it) */
  check?: string;
  /** the stored command is masked: render the task's rollback again with `item` and `snapshot` */
  rollbackNeedsRender: boolean;
  /** the task declares no rollback: this change cannot be undone by fleetsweep (report it, never skip silently) */
  missingRollback: boolean;
  snapshot?: JournaledOutput;
  /** what earlier rollback runs did to this step */
  priorRollback: PriorRollback;
  /** an earlier rollback command for it exited 0: do not run it again */
  alreadyRolledBack: boolean;
}

export interface RollbackPlan {
  /** every applied step in reverse order of apply, already rolled-back ones included */
  steps: RollbackStep[];
  /** the steps still to roll back (missing rollbacks included: they must be reported) */
  todo: RollbackStep[];
}

export interface PlanFilter {
  host?: string;
  /** task name */
  task?: string;
  /** records of earlier rollback runs of this run, so a second rollback plans nothing already undone */
  priorRollbacks?: JournalRecord[][];
}

const UNDOABLE = new Set<StepStatus>(['verified', 'applied-unverified', 'possibly-applied']);

/**
 * Every step that was (or may have been) applied, in reverse order of its apply-begin record, each with its
 * stored rollback command. `records` are the run's journal (or a run and its resumes, oldest first).
 */
export function rollbackPlan(records: JournalRecord[], filter: PlanFilter = {}): RollbackPlan {
  const steps = foldAttempts(records, filter.priorRollbacks ?? [])
    .filter((a) => a.phases.apply?.begin && UNDOABLE.has(a.base))
    .filter((a) => (filter.host === undefined || a.host === filter.host) && (filter.task === undefined || a.taskName === filter.task))
    .sort((a, b) => b.order - a.order)
    .map(toRollbackStep);
  return { steps, todo: steps.filter((s) => !s.alreadyRolledBack) };
}

function toRollbackStep(a: Attempt): RollbackStep {
  const begin = a.phases.apply!.begin!;
  const command = begin.rollback ?? undefined;
  return {
    id: a.id!, runId: a.runId, host: a.host, play: a.play, task: a.task, taskName: a.taskName,
    ...(begin.taskLoc ? { taskLoc: begin.taskLoc } : {}),
    itemKey: a.itemKey, ...('item' in begin ? { item: begin.item } : {}),
    status: a.base as RollbackStep['status'],
    ...(command === undefined ? {} : { command }),
    ...(begin.check ? { check: begin.check } : {}),
    rollbackNeedsRender: begin.rollbackNeedsRender === true,
    missingRollback: command === undefined,
    ...(begin.snapshot ? { snapshot: begin.snapshot } : {}),
    priorRollback: a.rollback,
    alreadyRolledBack: a.rollback === 'done',
  };
}

export interface ResumeStep {
  status: StepStatus;
  runId: string;
}

export interface TaskRef {
  play: number;
  task: number;
}

export interface ResumeState {
  /** stepKey(host, play, task, itemKey) -> the last known status of that step */
  steps: Map<string, ResumeStep>;
  /** host -> the furthest task it began (any record) */
  lastReached: Map<string, TaskRef>;
  /** host -> the furthest task it finished (task-end) */
  lastCompleted: Map<string, TaskRef>;
  /** JSON [host, play, task] -> the task's outcome from its task-end record */
  taskOutcomes: Map<string, Outcome>;
  /** true when the step's verify already passed: a resume must never apply it again */
  verified(host: string, play: number, task: number, itemKey: string): boolean;
}

/**
 * Where a resume picks up, from a run's records (or a run and its earlier resumes, oldest first).
 * Steps whose verify passed are skipped; every other step runs its check again, which decides whether
 * the apply is still needed (a possibly-applied step usually checks as "nothing to do").
 */
export function resumeState(records: JournalRecord[]): ResumeState {
  const steps = new Map<string, ResumeStep>();
  for (const a of foldAttempts(records)) steps.set(a.key, { status: a.status, runId: a.runId });
  const lastReached = new Map<string, TaskRef>();
  const lastCompleted = new Map<string, TaskRef>();
  const taskOutcomes = new Map<string, Outcome>();
  const further = (m: Map<string, TaskRef>, host: string, ref: TaskRef) => {
    const cur = m.get(host);
    if (!cur || ref.play > cur.play || (ref.play === cur.play && ref.task > cur.task)) m.set(host, ref);
  };
  for (const rec of records) {
    if (rec.type === 'step') further(lastReached, rec.host, { play: rec.play, task: rec.task });
    if (rec.type === 'task-end') {
      further(lastReached, rec.host, { play: rec.play, task: rec.task });
      further(lastCompleted, rec.host, { play: rec.play, task: rec.task });
      taskOutcomes.set(JSON.stringify([rec.host, rec.play, rec.task]), rec.outcome);
    }
  }
  return {
    steps, lastReached, lastCompleted, taskOutcomes,
    verified: (host, play, task, itemKey) => steps.get(stepKey(host, play, task, itemKey))?.status === 'verified',
  };
}
