// Undoes journaled changes: per host in reverse order of apply, each rollback checked, journaled, run and verified.
import pLimit from 'p-limit';
import type { Inventory } from '../model/inventory.js';
import type { CommandResult } from '../model/outcome.js';
import type { RunJournal } from '../model/journal.js';
import type { EventSink } from '../model/events.js';
import { raw } from '../template/index.js';
import { UnreachableError, type Connection, type ConnectTarget } from '../transport/connection.js';
import { connectTarget } from './targets.js';
import { CHECK_NEEDS_CHANGE, CHECK_NOTHING_TO_DO } from './contract.js';
import { failReason } from './task-exec.js';

/** One applied step to undo (the journal's rollback plan, as the runner needs it). */
export interface RollbackWork {
  id: string;
  host: string;
  play: number;
  task: number;
  taskName: string;
  item?: unknown;
  /** rendered at apply time; undefined when the task declared none */
  command?: string;
  /** the task's check for this item: exit 0 = the pre-state is back */
  check?: string;
  rollbackNeedsRender: boolean;
  missingRollback: boolean;
}

export type RollbackOutcome = 'restored' | 'already-restored' | 'would-restore' | 'no-rollback' | 'failed' | 'hung' | 'unreachable';

export interface RollbackResult {
  step: RollbackWork;
  outcome: RollbackOutcome;
  reason: string;
  result?: CommandResult;
}

export interface RollbackOptions {
  steps: RollbackWork[];
  inventory: Inventory;
  check: boolean;
  forks: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  acceptNewHostKeys: boolean;
  journal?: RunJournal;
  sink: EventSink;
  connect: (t: ConnectTarget) => Promise<Connection>;
}

/** Hosts in parallel (up to forks), each host's steps strictly in the given (reverse-apply) order. */
export async function runRollback(o: RollbackOptions): Promise<RollbackResult[]> {
  const byHost = new Map<string, RollbackWork[]>();
  for (const s of o.steps) byHost.set(s.host, [...(byHost.get(s.host) ?? []), s]);
  const limit = pLimit(Math.max(1, o.forks));
  const out: RollbackResult[] = [];
  await Promise.all([...byHost.entries()].map(([host, steps]) => limit(async () => {
    let conn: Connection | undefined;
    let gone: string | undefined;
    for (const step of steps) {
      const r = await undo(o, host, step, async () => {
        if (gone) throw new UnreachableError('other', gone);
        const h = o.inventory.hosts.get(host);
        if (!h) throw new UnreachableError('other', `host ${host} is not in the inventory`);
        conn ??= await o.connect(connectTarget(h, { acceptNewHostKeys: o.acceptNewHostKeys, connectTimeoutMs: o.connectTimeoutMs }));
        return conn;
      }).catch((err: unknown): RollbackResult => {
        if (!(err instanceof UnreachableError)) throw err;
        gone = `${err.reason}: ${err.message}`;
        return { step, outcome: 'unreachable', reason: gone };
      });
      out.push(r);
      o.sink.emit({ type: 'warning', host, message: `rollback ${step.taskName}${step.item === undefined ? '' : ` [${JSON.stringify(step.item)}]`}: ${r.outcome}: ${r.reason}` });
      // a host where an undo failed keeps its remaining (older) changes: undoing them on top of a half-undone state is unsafe
      if (r.outcome === 'failed' || r.outcome === 'hung') gone ??= `an earlier rollback on this host ${r.outcome}; older changes left in place`;
    }
    await conn?.close();
  })));
  return out;
}

async function undo(o: RollbackOptions, host: string, step: RollbackWork, conn: () => Promise<Connection>): Promise<RollbackResult> {
  const res = (outcome: RollbackOutcome, reason: string, result?: CommandResult): RollbackResult => ({ step, outcome, reason, result });
  if (step.missingRollback || !step.command) return res('no-rollback', 'the task declares no rollback: this change cannot be undone by fleetsweep');
  if (step.rollbackNeedsRender) return res('no-rollback', 'the journaled rollback holds a secret and was stored masked; re-run it by hand from the task');
  const c = await conn();
  const exec = (cmd: string) => c.exec(raw(cmd).text, { timeoutMs: o.timeoutMs });
  if (step.check) {
    const pre = await exec(step.check);
    if (pre.timedOut) return res('hung', 'check did not finish before its deadline; nothing rolled back', pre);
    if (pre.rc === CHECK_NEEDS_CHANGE) return res('already-restored', 'check says the pre-state is already back', pre);
    if (pre.rc !== CHECK_NOTHING_TO_DO) return res('failed', `check failed (${failReason(pre)}); nothing rolled back`, pre);
  }
  if (o.check) return res('would-restore', `would run: ${step.command}`);
  const ref = { host, play: step.play, task: step.task, taskName: step.taskName, ...('item' in step ? { item: step.item } : {}) };
  await o.journal?.beforeRollback({ ...ref, command: step.command, undoes: step.id });
  const r = await exec(step.command);
  o.journal?.end(ref, 'rollback', r, step.command);
  if (r.timedOut) return res('hung', 'rollback did not finish before its deadline', r);
  if (r.rc !== 0) return res('failed', `rollback failed (${failReason(r)})`, r);
  if (step.check) {
    const post = await exec(step.check);
    if (post.rc !== CHECK_NEEDS_CHANGE) return res('failed', `rollback ran but check does not see the pre-state (${failReason(post)})`, post);
  }
  return res('restored', step.check ? 'rolled back and verified by check' : 'rolled back (no check to verify with)', r);
}
