// The single table of exit codes. Every code has one meaning; README documents this table.
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
  /** interrupted by SIGINT/SIGTERM; the recap was printed */
  INTERRUPTED: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Rows for `--help` and the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<[number, string]> = [
  [ExitCode.OK, 'success: every host reached, no task failed'],
  [ExitCode.INTERNAL, 'internal error (a bug: please report it)'],
  [ExitCode.USAGE, 'usage error: unknown flag or bad value'],
  [ExitCode.CONFIG, 'bad playbook, inventory or extra-vars; no host was contacted'],
  [ExitCode.TASK_FAILED, 'a task failed or hung on at least one host'],
  [ExitCode.UNREACHABLE, 'no task failed, but at least one host was unreachable'],
  [ExitCode.STATE, 'state directory or journal not writable; nothing was applied after that'],
  [ExitCode.LOCKED, 'another run holds the lock'],
  [ExitCode.ROLLBACK_INCOMPLETE, 'rollback could not restore everything'],
  [ExitCode.INTERRUPTED, 'interrupted (Ctrl-C / SIGTERM); running commands were drained, recap printed'],
];
