// The one interface the runner uses to run commands on a host (ssh or local).
import type { CommandResult, UnreachableReason } from '../model/outcome.js';
import { FleetError } from '../errors/fleet-error.js';

export interface BecomeSpec {
  user: string;
  /** sudo password; sent on stdin only, never in argv, logs or errors */
  password?: string;
}

export interface ExecOptions {
  /** deadline for this command; on expiry the remote process group is killed and timedOut=true */
  timeoutMs: number;
  /** aborting kills the remote process group like a deadline (Ctrl-C drain uses deadlines instead) */
  signal?: AbortSignal;
  become?: BecomeSpec;
  /** extra environment for the command (exported inside the remote sh) */
  env?: Record<string, string>;
  /** cap per stream; the rest is dropped and truncated=true (default 1 MiB) */
  maxOutputBytes?: number;
  stdin?: string;
}

export interface Connection {
  readonly host: string;
  /** Runs `command` with /bin/sh on the host. Never throws for a non-zero exit; throws UnreachableError when the connection is lost. */
  exec(command: string, opts: ExecOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

export interface ConnectTarget {
  /** inventory name, for messages */
  name: string;
  kind: 'ssh' | 'local';
  address: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  /** private key passphrase (secret) */
  passphrase?: string;
  /** known_hosts files to verify against; the first is where accepted keys are recorded */
  knownHostsPaths: string[];
  /** trust on first use: record unknown keys; a changed key still fails */
  acceptNewHostKeys: boolean;
  connectTimeoutMs: number;
  /** ProxyJump from ~/.ssh/config: "user@host:port" */
  proxyJump?: string;
  /** ssh-agent socket ($SSH_AUTH_SOCK) */
  agent?: string;
  /** forward the agent to the host: off unless asked */
  forwardAgent?: boolean;
}

/** The host could not be reached or the connection was lost; the runner turns it into the host's outcome. */
export class UnreachableError extends FleetError {
  readonly reason: UnreachableReason;
  constructor(reason: UnreachableReason, message: string, cause?: unknown) {
    super(`transport.${reason}`, message, { cause });
    this.reason = reason;
  }
}
