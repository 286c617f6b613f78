// Playbook model: plays and tasks as loaded from YAML, each keeping its source location.
import type { SourceLocation } from './source.js';
import type { Vars } from './inventory.js';

/** A template string as written by the user, with where it was written. */
export interface Tmpl {
  text: string;
  loc: SourceLocation;
}

/**
 * What a task does. Commands are templates rendered per host and loop item;
 * `{{ }}` values are quoted for POSIX sh unless piped through `| raw`.
 */
export type TaskAction =
  /** `shell: "..."` or `command: "..."` (both run by /bin/sh on the host) */
  | { kind: 'shell'; cmd: Tmpl }
  /** `command: [argv...]`: every element is one quoted word */
  | { kind: 'argv'; argv: Tmpl[] }
  /** check/snapshot/apply/verify/rollback: the idempotency contract */
  | { kind: 'contract'; contract: Contract }
  | { kind: 'set_fact'; facts: Record<string, unknown> }
  | { kind: 'group_by'; key: Tmpl }
  | { kind: 'add_host'; name: Tmpl; groups: string[]; vars: Vars }
  | { kind: 'debug'; msg: Tmpl }
  | { kind: 'fail'; msg: Tmpl }
  | { kind: 'assert'; that: Tmpl[]; msg?: Tmpl };

export interface Contract {
  /** read-only; exit 0 = a change is needed, 1 = nothing to do (its stdout is the reason), other = error */
  check?: Tmpl;
  /** read-only; captures the pre-state, journaled (fsync) before apply */
  snapshot?: Tmpl;
  apply: Tmpl;
  /** must exit 0 after apply, or the task fails */
  verify?: Tmpl;
  /** the playbook said `verify: false`: no verify on purpose (otherwise a missing verify is a load error) */
  verifyOptOut?: boolean;
  /** undoes apply; templated with `item` and `snapshot` */
  rollback?: Tmpl;
  /** a destructive apply without a snapshot is an error unless this is set */
  destructive: boolean;
}

export interface Task {
  name: string;
  loc: SourceLocation;
  action: TaskAction;
  register?: string;
  /** each a bare expression, all must be true */
  when: Tmpl[];
  /** a template expression or a literal list */
  loop?: Tmpl | unknown[];
  loopVar: string;
  /** loop_control.label: what reports show for each item instead of the whole item */
  loopLabel?: Tmpl;
  changedWhen?: Tmpl;
  failedWhen?: Tmpl;
  /** per remote command deadline, ms */
  timeoutMs?: number;
  retries: number;
  until?: Tmpl;
  delayMs: number;
  tags: string[];
  ignoreErrors: boolean;
  become?: boolean;
  becomeUser?: string;
  vars: Vars;
  /** environment variables for the remote command */
  environment: Record<string, string>;
  /** values that must never be printed (names of vars) */
  noLog: boolean;
}

export type Strategy = 'linear' | 'free';

export interface Play {
  name: string;
  loc: SourceLocation;
  /** host pattern; may be a template evaluated when the play starts */
  hosts: Tmpl;
  vars: Vars;
  become: boolean;
  becomeUser: string;
  /** batch sizes: numbers or percentages like "25%"; the last repeats */
  serial: (number | string)[];
  maxFailPercentage?: number;
  strategy: Strategy;
  tags: string[];
  tasks: Task[];
  /** issue 3 safety limits */
  maxChanges?: number;
  canary?: number;
  /** keyed concurrency: at most `limit` hosts at once sharing the rendered key */
  concurrency?: { key: Tmpl; limit: number };
  /** default per-command deadline for the play's tasks, ms */
  timeoutMs?: number;
}

export interface Playbook {
  file: string;
  /** sha256 of the file's bytes, for the journal */
  sha256: string;
  plays: Play[];
}
