// A scripted Connection for unit tests: replays recorded outputs for matching commands, records every call.
import type { CommandResult } from '../../src/model/outcome.js';
import type { Connection, ConnectTarget, ExecOptions } from '../../src/transport/connection.js';
import { UnreachableError } from '../../src/transport/connection.js';
import type { UnreachableReason } from '../../src/model/outcome.js';

export interface Rule {
  /** matched against the command text */
  match: RegExp | string;
  rc?: number;
  stdout?: string;
  stderr?: string;
  /** never finishes: resolves as timed out at the deadline */
  hang?: boolean;
  /** computed answer (may keep state between calls) */
  run?: (cmd: string, host: string) => Partial<CommandResult>;
}

export interface ScriptedFleet {
  connect: (t: ConnectTarget) => Promise<Connection>;
  calls: Array<{ host: string; command: string; opts: ExecOptions }>;
  connects: string[];
  targets: ConnectTarget[];
  /** peak number of hosts with a command in flight at once */
  peak: number;
}

export function scriptedFleet(rules: Record<string, Rule[]> & { '*'?: Rule[] }, unreachable: Record<string, UnreachableReason> = {}): ScriptedFleet {
  const fleet: ScriptedFleet = { connect, calls: [], connects: [], targets: [], peak: 0 };
  const busy = new Set<string>();
  async function connect(t: ConnectTarget): Promise<Connection> {
    fleet.connects.push(t.name);
    fleet.targets.push(t);
    const why = unreachable[t.name];
    if (why) throw new UnreachableError(why, `scripted: ${why}`);
    return {
      host: t.name,
      async exec(command: string, opts: ExecOptions): Promise<CommandResult> {
        fleet.calls.push({ host: t.name, command, opts });
        busy.add(t.name);
        fleet.peak = Math.max(fleet.peak, busy.size);
        try {
          const rule = [...(rules[t.name] ?? []), ...(rules['*'] ?? [])].find((r) => (typeof r.match === 'string' ? command.includes(r.match) : r.match.test(command)));
          await new Promise((r) => setTimeout(r, 2));
          if (!rule) return { rc: 127, stdout: '', stderr: `scripted: no rule for: ${command}`, durationMs: 1, timedOut: false, truncated: false };
          if (rule.hang) {
            await new Promise((r) => setTimeout(r, opts.timeoutMs));
            return { rc: null, stdout: '', stderr: '', durationMs: opts.timeoutMs, timedOut: true, truncated: false };
          }
          const computed = rule.run?.(command, t.name) ?? {};
          return { rc: rule.rc ?? 0, stdout: rule.stdout ?? '', stderr: rule.stderr ?? '', durationMs: 1, timedOut: false, truncated: false, ...computed };
        } finally {
          busy.delete(t.name);
        }
      },
      async close() {},
    };
  }
  return fleet;
}
