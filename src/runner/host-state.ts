// Per-host state for one run: the one reused connection, registered results, and whether the host is out.
import type { Host, Vars } from '../model/inventory.js';
import type { Outcome, UnreachableReason } from '../model/outcome.js';
import type { Connection, ConnectTarget } from '../transport/connection.js';
import { UnreachableError } from '../transport/connection.js';

export class HostState {
  readonly name: string;
  host: Host;
  /** registered results and set_fact values: these outrank inventory and play vars */
  facts: Vars = {};
  /** why the host takes no further part in the run (failed, hung, unreachable) */
  out?: { outcome: Outcome; reason: string };
  unreachable?: { reason: UnreachableReason; message: string };
  /** the host lock, taken before the first command of a run that may change the host */
  lock?: Promise<void>;
  /** releases the host lock (set once it is held) */
  release?: () => Promise<void>;
  private conn?: Promise<Connection>;

  constructor(host: Host) {
    this.name = host.name;
    this.host = host;
  }

  /** Opens the host's connection once; every later call reuses it (one handshake per host per run). */
  connection(target: () => ConnectTarget, connect: (t: ConnectTarget) => Promise<Connection>): Promise<Connection> {
    if (!this.conn) {
      this.conn = connect(target());
      // a failed connect stays failed for this run: the host is unreachable
      this.conn.catch(() => undefined);
    }
    return this.conn;
  }

  markUnreachable(err: UnreachableError): void {
    this.unreachable = { reason: err.reason, message: err.message };
    this.out = { outcome: 'unreachable', reason: `${err.reason}: ${err.message}` };
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (!c) return;
    try {
      // best effort: a lock left behind by a dead connection goes stale after its ttl
      await this.release?.().catch(() => undefined);
      await (await c).close();
    } catch {
      // a connection that never opened has nothing to close
    }
  }
}
