// Inputs and outputs of a run.
import type { Inventory, Vars } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { EventSink } from '../model/events.js';
import type { TaskResult, HostSummary } from '../model/outcome.js';
import type { Connection, ConnectTarget } from '../transport/connection.js';
import type { RunJournal, StepRef } from '../model/journal.js';

export interface RunOptions {
  runId: string;
  playbook: Playbook;
  inventory: Inventory;
  /** --limit pattern, intersected with every play's hosts */
  limit?: string;
  /** --shard K/N: only the K-th of N stable shards of the inventory's hosts */
  shard?: { k: number; n: number };
  forks: number;
  check: boolean;
  extraVars: Vars;
  tags: string[];
  skipTags: string[];
  acceptNewHostKeys: boolean;
  /** sudo password, from the environment or a prompt; never logged */
  becomePassword?: string;
  /** default deadline of one remote command */
  timeoutMs: number;
  connectTimeoutMs: number;
  /** working directory for @file patterns */
  cwd: string;
  sink: EventSink;
  /** first abort: drain (no new work); see `hardStop` */
  interrupt: AbortSignal;
  /** second abort: kill running commands now */
  hardStop: AbortSignal;
  /** injectable for tests: a scripted connection replaying recorded outputs */
  connect: (target: ConnectTarget) => Promise<Connection>;
  /** ~/.ssh/config path (tests point it elsewhere); undefined = the user's */
  sshConfigFile?: string;
  /** write-ahead journal; undefined = no journal (unit tests) */
  journal?: RunJournal;
  /** run-wide budget of destructive steps (plays may set their own max_changes too) */
  maxChanges?: number;
  /** resume: the id of the run that already applied and verified this step, if any */
  alreadyVerified?: (ref: StepRef) => string | undefined;
  /** take a lock on each host before its first command (runs that may change hosts) */
  hostLock?: HostLockOwner;
  /** resume: the run whose host locks may be taken over */
  resumeOf?: string;
}

export interface RunResult {
  runId: string;
  startedAt: string;
  endedAt: string;
  interrupted: boolean;
  /** the run stopped early because max_fail_percentage was exceeded */
  aborted?: string;
  /** the journal could not be written; applies were refused from then on */
  stateError?: string;
  /** a max_changes budget was spent */
  limitReached?: string;
  results: TaskResult[];
  hosts: HostSummary[];
}


/** Who holds a host lock: written on the host so another controller can tell who is working there. */
export interface HostLockOwner {
  runId: string;
  user: string;
  controller: string;
  pid: number;
  /** a lock older than this is stale (its run died without releasing it) */
  ttlSeconds: number;
}
