// Inputs and outputs of a run.
import type { Inventory, Vars } from '../model/inventory.js';
import type { Playbook } from '../model/playbook.js';
import type { EventSink } from '../model/events.js';
import type { TaskResult, HostSummary } from '../model/outcome.js';
import type { Connection, ConnectTarget } from '../transport/connection.js';

export interface RunOptions {
  runId: string;
  playbook: Playbook;
  inventory: Inventory;
  /** --limit pattern, intersected with every play's hosts */
  limit?: string;
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
  /** write-ahead journal; undefined = no journal (tests, dry runs) */
  journal?: ApplyJournal;
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
  results: TaskResult[];
  hosts: HostSummary[];
}

/** The journal's hook into the runner (issue 3 makes it durable); called before every apply. */
export interface ApplyJournal {
  /** must resolve only once the record is on disk (fsync); a rejection stops the apply */
  beforeApply(entry: { host: string; task: import('../model/playbook.js').Task; item: unknown; snapshot?: import('../model/outcome.js').CommandResult }): Promise<void>;
}
