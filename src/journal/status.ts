// Pure folding of journal records into step attempts and their statuses, and a run's summary from its records.
import type { Outcome } from '../model/outcome.js';
import { worse } from '../model/outcome.js';
import type {
  JournalPhase, JournalRecord, PriorRollback, RunMeta, RunState, RunSummary, StepBeginRecord, StepEndRecord, StepRecord, StepStatus,
} from './types.js';

/** One execution of a contract step (normally one per run and item). */
export interface Attempt {
  /** run whose journal holds it */
  runId: string;
  host: string;
  play: number;
  task: number;
  taskName: string;
  itemKey: string;
  /** stepKey(host, play, task, itemKey) */
  key: string;
  phases: Partial<Record<JournalPhase, { begin?: StepBeginRecord; end?: StepEndRecord }>>;
  /** `<runId>#<seq>` of the apply begin (or of the rollback begin in a rollback run) */
  id?: string;
  /** position of that begin record in the records given: the order rollback reverses */
  order: number;
  /** the status from this attempt's own phases, ignoring rollbacks */
  base: StepStatus;
  /** what rollback commands did to it (in this run or in later rollback runs) */
  rollback: PriorRollback;
  /** base, or rolled-back once a rollback exited 0 */
  status: StepStatus;
}

const PHASE_ORDER: Record<Exclude<JournalPhase, 'rollback'>, number> = { check: 0, snapshot: 1, apply: 2, verify: 3 };

export function stepKey(host: string, play: number, task: number, itemKey: string): string {
  return JSON.stringify([host, play, task, itemKey]);
}

/**
 * Groups step records into attempts, in the order given (journals concatenated oldest first, e.g. a run
 * and its resumes). A new attempt starts when a phase begins that the current attempt of that step has
 * already reached (a resume re-running check, a loop repeating an item); a rollback phase joins the
 * attempt it undoes. `rollbackRuns` are records of later rollback runs of these runs: their rollback
 * phases are matched by `undoes` (else by step, latest applied attempt) and mark attempts rolled back.
 */
export function foldAttempts(records: JournalRecord[], rollbackRuns: JournalRecord[][] = []): Attempt[] {
  const attempts: Attempt[] = [];
  const current = new Map<string, Attempt & { reached: number }>();
  let runId = '';
  let check = false;
  const checkOf = new Map<Attempt, boolean>();
  records.forEach((rec, i) => {
    if (rec.type === 'run-start') {
      runId = rec.meta.runId;
      check = rec.meta.check;
      current.clear();
      return;
    }
    if (rec.type !== 'step') return;
    const key = stepKey(rec.host, rec.play, rec.task, rec.itemKey);
    let a = current.get(key);
    const order = rec.phase === 'rollback' ? -1 : PHASE_ORDER[rec.phase];
    if (!a || (rec.event === 'begin' && order >= 0 && order <= a.reached)) {
      a = { runId, host: rec.host, play: rec.play, task: rec.task, taskName: rec.taskName, itemKey: rec.itemKey, key, phases: {}, order: i, base: 'incomplete', rollback: 'none', status: 'incomplete', reached: -1 };
      current.set(key, a);
      attempts.push(a);
      checkOf.set(a, check);
    }
    if (order > a.reached) a.reached = order;
    const slot = (a.phases[rec.phase] ??= {});
    if (rec.event === 'begin') {
      slot.begin = rec;
      if (rec.phase === 'apply' || (rec.phase === 'rollback' && !a.phases.apply)) {
        a.id = `${runId}#${rec.seq}`;
        a.order = i;
      }
    } else {
      slot.end = rec;
    }
    if (rec.phase === 'rollback') a.rollback = applyRollback(a.rollback, rec);
  });

  for (const rb of rollbackRuns) matchRollbacks(attempts, rb);
  for (const a of attempts) {
    a.base = baseStatus(a, checkOf.get(a) ?? false);
    a.status = a.rollback === 'done' ? 'rolled-back' : a.base;
    delete (a as Partial<Attempt & { reached: number }>).reached;
  }
  return attempts;
}

function matchRollbacks(attempts: Attempt[], records: JournalRecord[]): void {
  const byId = new Map<string, Attempt>();
  for (const a of attempts) if (a.id && a.phases.apply) byId.set(a.id, a);
  const pending = new Map<string, Attempt>();
  for (const rec of records) {
    if (rec.type !== 'step' || rec.phase !== 'rollback') continue;
    const key = stepKey(rec.host, rec.play, rec.task, rec.itemKey);
    let a: Attempt | undefined;
    if (rec.event === 'begin') {
      a = rec.undoes !== undefined ? byId.get(rec.undoes) : lastApplied(attempts, key);
      if (a) pending.set(key, a);
    } else {
      a = pending.get(key);
    }
    if (a) a.rollback = applyRollback(a.rollback, rec);
  }
}

function lastApplied(attempts: Attempt[], key: string): Attempt | undefined {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.key === key && attempts[i]!.phases.apply?.begin) return attempts[i];
  return undefined;
}

/** done stays done; a begin without an end is "possibly". */
function applyRollback(prev: PriorRollback, rec: StepRecord): PriorRollback {
  if (prev === 'done') return 'done';
  if (rec.event === 'begin') return 'possibly';
  return succeeded(rec) ? 'done' : 'failed';
}

function succeeded(e: StepEndRecord | undefined): boolean {
  return e !== undefined && !e.timedOut && e.rc === 0;
}

function baseStatus(a: Attempt, checkMode: boolean): StepStatus {
  const { check, snapshot, apply, verify, rollback } = a.phases;
  if (apply?.begin) {
    const e = apply.end;
    // killed at its deadline or the connection dropped: it may have done part of its work
    if (!e || e.timedOut || e.rc === null) return 'possibly-applied';
    if (e.rc !== 0) return 'failed';
    if (apply.begin.verify === false) return 'verified';
    return succeeded(verify?.end) ? 'verified' : 'applied-unverified';
  }
  if (rollback?.begin) {
    // an attempt that is only a rollback command (a rollback run's own journal)
    if (!rollback.end) return 'possibly-applied';
    return succeeded(rollback.end) ? 'rolled-back' : 'failed';
  }
  if (check?.end) {
    if (check.end.timedOut || (check.end.rc !== 0 && check.end.rc !== 1)) return 'failed';
    if (check.end.rc === 1) return 'ok';
  }
  if (snapshot?.end && !succeeded(snapshot.end)) return 'failed';
  if (check?.end && checkMode) return 'would-change';
  return 'incomplete';
}

/** The outcome a step's status stands for, to count tasks that have no task-end record (a crash). */
function statusOutcome(s: StepStatus): Outcome | undefined {
  switch (s) {
    case 'verified': case 'applied-unverified': case 'rolled-back': return 'changed';
    case 'possibly-applied': return 'hung';
    case 'failed': return 'failed';
    case 'would-change': return 'would-change';
    case 'ok': return 'ok';
    case 'incomplete': return undefined;
  }
}

/**
 * A run's summary from its records. Counts come from run-end when present; otherwise from task-end
 * records, plus the worst step status of each task that has none. `alive` decides running vs crashed for a
 * run without run-end.
 */
export function summarize(meta: RunMeta, records: JournalRecord[], alive: (meta: RunMeta) => boolean): RunSummary {
  const outcomes = Object.fromEntries((['ok', 'changed', 'would-change', 'skipped', 'failed', 'hung', 'unreachable'] as Outcome[]).map((o) => [o, 0])) as Record<Outcome, number>;
  const hosts = new Set(meta.hosts ?? []);
  let startedAt = '';
  let endedAt: string | undefined;
  let state: RunState | undefined;
  let hostCount: number | undefined;
  const ended = new Set<string>();
  for (const rec of records) {
    switch (rec.type) {
      case 'run-start': startedAt ||= rec.t; break;
      case 'run-end':
        endedAt = rec.t; state = rec.state; hostCount = rec.counts.hosts;
        Object.assign(outcomes, rec.counts.outcomes);
        break;
      case 'task-end':
        hosts.add(rec.host);
        ended.add(JSON.stringify([rec.host, rec.play, rec.task]));
        break;
      case 'step': hosts.add(rec.host); break;
      case 'note': break;
    }
  }
  if (hostCount === undefined) {
    for (const rec of records) if (rec.type === 'task-end') outcomes[rec.outcome]++;
    const open = new Map<string, Outcome>();
    for (const a of foldAttempts(records)) {
      const k = JSON.stringify([a.host, a.play, a.task]);
      const o = statusOutcome(a.status);
      if (ended.has(k) || o === undefined) continue;
      open.set(k, open.has(k) ? worse(open.get(k)!, o) : o);
    }
    for (const o of open.values()) outcomes[o]++;
  }
  return {
    id: meta.runId, kind: meta.kind, ...(meta.parentRunId ? { parentRunId: meta.parentRunId } : {}),
    playbook: meta.playbook.path, check: meta.check, startedAt, ...(endedAt ? { endedAt } : {}),
    state: state ?? (alive(meta) ? 'running' : 'crashed'),
    hosts: hostCount ?? hosts.size, changed: outcomes.changed, failed: outcomes.failed + outcomes.hung, outcomes,
    user: meta.user, hostname: meta.hostname, pid: meta.pid,
  };
}
