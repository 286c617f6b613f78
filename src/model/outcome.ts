// Outcomes of tasks and hosts: closed unions the reporters switch over exhaustively.
import type { SourceLocation } from './source.js';

export type Outcome = 'ok' | 'changed' | 'would-change' | 'skipped' | 'failed' | 'hung' | 'unreachable';

export const OUTCOMES: readonly Outcome[] = ['ok', 'changed', 'would-change', 'skipped', 'failed', 'hung', 'unreachable'];

/** Why a host could not be reached. */
export type UnreachableReason = 'refused' | 'timeout' | 'auth' | 'hostkey-unknown' | 'hostkey-changed' | 'dns' | 'closed' | 'other';

/** One remote (or local) command's result, output capped. */
export interface CommandResult {
  /** null when the command did not exit on its own (killed at its deadline, connection lost) or never started (become refused) */
  rc: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** output was longer than the cap and was cut */
  truncated: boolean;
}

export interface ItemResult {
  item: unknown;
  outcome: Outcome;
  reason?: string;
  /** per contract phase (check/snapshot/apply/verify) or 'cmd' for plain commands */
  phases: Partial<Record<Phase, CommandResult>>;
}

export type Phase = 'cmd' | 'check' | 'snapshot' | 'apply' | 'verify' | 'rollback';

export interface TaskResult {
  host: string;
  play: number;
  task: number;
  name: string;
  loc: SourceLocation;
  outcome: Outcome;
  reason?: string;
  /** the last command's result (for a plain command task), for reports and `register` */
  result?: CommandResult;
  items?: ItemResult[];
  startedAt: string;
  durationMs: number;
  ignored?: boolean;
  /** what a `debug` task says: shown to the user whatever the verbosity */
  message?: string;
}

export interface HostSummary {
  host: string;
  /** worst outcome across tasks, using severity order */
  outcome: Outcome;
  counts: Record<Outcome, number>;
  reason?: string;
}

/** Severity order for summarising a host: later = worse. */
export const SEVERITY: readonly Outcome[] = ['skipped', 'ok', 'would-change', 'changed', 'failed', 'hung', 'unreachable'];

export function worse(a: Outcome, b: Outcome): Outcome {
  return SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b;
}
