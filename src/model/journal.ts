// What the runner tells the journal about contract steps; journal/ writes it, runner/ only sees this interface.
import type { CommandResult, TaskResult } from './outcome.js';
import type { SourceLocation } from './source.js';

/** A rendered command: `text` runs, `masked` may be shown. A plain string means it holds no secret. */
export type CommandText = string | { text: string; masked: string };

export interface StepRef {
  host: string;
  play: number;
  task: number;
  taskName: string;
  /** the loop item; undefined when the task has no loop */
  item?: unknown;
}

export interface ApplyEntry extends StepRef {
  /** the rendered apply command */
  command: CommandText;
  /** the rendered rollback command; undefined = the task declares none */
  rollback?: CommandText;
  /** the rendered check command: rollback runs it to tell whether the pre-state is back */
  check?: CommandText;
  /** the snapshot's result; undefined = no snapshot declared */
  snapshot?: CommandResult;
  /** the task declares a verify */
  verify: boolean;
  taskLoc?: SourceLocation;
}

export interface RollbackEntry extends StepRef {
  command: CommandText;
  /** RollbackStep.id being undone */
  undoes?: string;
}

/** The journal as the runner uses it. Records are buffered except beforeApply/beforeRollback, which are durable on return. */
export interface RunJournal {
  begin(ref: StepRef, phase: 'check' | 'snapshot' | 'verify', command?: CommandText): void;
  end(ref: StepRef, phase: 'check' | 'snapshot' | 'apply' | 'verify' | 'rollback', result: CommandResult, command?: CommandText): void;
  /** resolves only once the snapshot and the intent to apply are on disk (fsync); rejects when they cannot be */
  beforeApply(e: ApplyEntry): Promise<void>;
  beforeRollback(e: RollbackEntry): Promise<void>;
  taskEnd(r: TaskResult): void;
}
