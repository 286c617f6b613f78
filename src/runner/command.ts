// Runs one rendered command on a host through its reused connection, under a deadline, emitting events.
import type { CommandResult } from '../model/outcome.js';
import type { ShellCommand } from '../template/index.js';
import type { BecomeSpec } from '../transport/connection.js';
import { UnreachableError } from '../transport/connection.js';
import type { HostState } from './host-state.js';
import type { RunOptions } from './types.js';
import type { ConnectTarget } from '../transport/connection.js';

export interface CommandSpec {
  cmd: ShellCommand;
  phase: string;
  timeoutMs: number;
  become?: BecomeSpec;
  env: Record<string, string>;
}

/**
 * Returns the command's result, or throws UnreachableError when the host cannot be reached
 * (the caller marks the host unreachable). A deadline is a result (timedOut), not an error.
 */
export async function runCommand(opts: RunOptions, state: HostState, target: () => ConnectTarget, spec: CommandSpec): Promise<CommandResult> {
  const conn = await state.connection(target, opts.connect);
  opts.sink.emit({ type: 'command', host: state.name, command: spec.cmd.masked, phase: spec.phase });
  try {
    return await conn.exec(spec.cmd.text, {
      timeoutMs: spec.timeoutMs,
      signal: opts.hardStop,
      become: spec.become,
      env: spec.env,
    });
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    throw new UnreachableError('other', (err as Error).message, err);
  }
}

/** The object `register:` stores, shaped like Ansible's command result. */
export function registered(r: CommandResult, cmd: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rc: r.rc,
    // as Ansible: registered output loses its trailing newline(s); reports keep the raw bytes
    stdout: r.stdout.replace(/[\r\n]+$/, ''),
    stderr: r.stderr.replace(/[\r\n]+$/, ''),
    stdout_lines: lines(r.stdout),
    stderr_lines: lines(r.stderr),
    cmd,
    delta_ms: r.durationMs,
    timed_out: r.timedOut,
    truncated: r.truncated,
    ...extra,
  };
}

function lines(s: string): string[] {
  if (s === '') return [];
  const out = s.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}
