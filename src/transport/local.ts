// The implicit localhost: the same Connection contract as ssh, run through a local /bin/sh.
import { spawn } from 'node:child_process';
import type { CommandResult } from '../model/outcome.js';
import { UnreachableError, type BecomeSpec, type Connection, type ExecOptions } from './connection.js';
import { runKill, runWrapped, type Backend, type KillTiming, type Proc } from './exec.js';
import { killLine } from './wrapper.js';

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch { /* already gone, or not ours */ }
}

/** Runs `line` with /bin/sh in a new session (detached), so its whole group can be killed. */
function openLocal(line: string): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    child.once('error', (e) => reject(new UnreachableError('other', `cannot run /bin/sh: ${e.message}`, e)));
    child.once('spawn', () => {
      const done = new Promise<{ code: number | null; signal: string | null }>((res) => {
        child.once('close', (code, signal) => res({ code, signal }));
      });
      resolve({
        stdin: child.stdin,
        stdout: child.stdout,
        stderr: child.stderr,
        done,
        destroy() {
          if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalGroup(child.pid, 'SIGKILL');
          child.stdin.destroy();
          child.stdout.destroy();
          child.stderr.destroy();
        },
      });
    });
  });
}

export class LocalConnection implements Connection {
  private closed = false;
  constructor(readonly host: string, private readonly timing?: KillTiming) {}

  private readonly backend: Backend = {
    open: (line) => openLocal(line),
    killGroup: async (pgid: number, become: BecomeSpec | undefined) => {
      if (!become) {
        // our own processes: signal them directly, no extra shell
        signalGroup(pgid, 'SIGTERM');
        for (let i = 0; i < 10 && isGroupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
        signalGroup(pgid, 'SIGKILL');
        return;
      }
      // the group belongs to the become user (often root): kill it through sudo as that user
      await runKill(openLocal(killLine(pgid, become)), become);
    },
  };

  exec(command: string, opts: ExecOptions): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new UnreachableError('closed', 'local connection is closed'));
    return runWrapped(this.backend, command, opts, this.timing);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
