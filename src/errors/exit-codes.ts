// The single table of exit codes. Every code has one meaning; README documents this table.
import type { SweepStatus } from '../model/sweep.js';

export const ExitCode = {
  /** every host reached, no task failed */
  OK: 0,
  /** a bug in fleetsweep (an unexpected exception) */
  INTERNAL: 1,
  /** bad command-line usage: unknown flag, bad value */
  USAGE: 2,
  /** bad playbook, inventory or extra-vars: nothing was contacted */
  CONFIG: 3,
  /** at least one task failed or hung on at least one host */
  TASK_FAILED: 4,
  /** no task failed, but at least one host was unreachable */
  UNREACHABLE: 5,
  /** the state directory / journal could not be written: nothing was applied after that */
  STATE: 6,
  /** another run holds the lock (sweep, or a host lock) */
  LOCKED: 7,
  /** rollback could not restore everything */
  ROLLBACK_INCOMPLETE: 8,
  /** sweep (report mode): residue found on at least one host */
  SWEEP_RESIDUE_FOUND: 10,
  /** sweep (fix mode): residue was found and every item was fixed and verified */
  SWEEP_RESIDUE_FIXED: 11,
  /** sweep: a task failed, a run stopped early (canary, max_fail_percentage) or a fix did not complete */
  SWEEP_ERRORS: 12,
  /** sweep: no residue and no error, but some targeted hosts were unreachable, hung or not started */
  SWEEP_PARTIAL: 13,
  /** interrupted by SIGINT/SIGTERM; the recap was printed */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A sweep's status → exit code. Precedence (first that applies): interrupted 130, journal/state 6, errors 12,
 * residue found 10, partial coverage 13, residue fixed 11, clean 0. A sweep refused by the lock exits 7;
 * usage and configuration problems 2 and 3, as for every command.
 */
export const SWEEP_EXIT: Readonly<Record<SweepStatus, ExitCodeValue>> = {
  clean: ExitCode.OK,
  'residue-found': ExitCode.SWEEP_RESIDUE_FOUND,
  'residue-fixed': ExitCode.SWEEP_RESIDUE_FIXED,
  errors: ExitCode.SWEEP_ERRORS,
  'partial-coverage': ExitCode.SWEEP_PARTIAL,
  interrupted: ExitCode.INTERRUPTED,
  'state-error': ExitCode.STATE,
};

/** Rows for `--help` and the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<[number, string]> = [
  [ExitCode.OK, 'success: every host reached, no task failed'],
  [ExitCode.INTERNAL, 'internal error (a bug: please report it)'],
  [ExitCode.USAGE, 'usage error: unknown flag or bad value'],
  [ExitCode.CONFIG, 'bad playbook, inventory or extra-vars; no host was contacted'],
  [ExitCode.TASK_FAILED, 'a task failed or hung on at least one host'],
  [ExitCode.UNREACHABLE, 'no task failed, but at least one host was unreachable'],
  [ExitCode.STATE, 'state directory or journal not writable; nothing was applied after that'],
  [ExitCode.LOCKED, 'another run holds the lock (an overlapping sweep of the same inventory, or a host lock)'],
  [ExitCode.ROLLBACK_INCOMPLETE, 'rollback could not restore everything'],
  [ExitCode.SWEEP_RESIDUE_FOUND, 'sweep: residue found (report mode)'],
  [ExitCode.SWEEP_RESIDUE_FIXED, 'sweep: residue fixed, all of it (fix mode)'],
  [ExitCode.SWEEP_ERRORS, 'sweep: a task failed, a run stopped early, or a fix did not complete'],
  [ExitCode.SWEEP_PARTIAL, 'sweep: partial coverage (hosts unreachable, hung or not started); nothing else to report'],
  [ExitCode.INTERRUPTED, 'interrupted (Ctrl-C / SIGTERM); running commands were drained, recap printed'],
];
