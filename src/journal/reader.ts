// Reading journals back: one run (tolerating a crash mid-write), the run history, one run in detail, run ids by prefix.
import { readFileSync, readdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from '../model/outcome.js';
import { ExitCode } from '../errors/exit-codes.js';
import { FleetError } from '../errors/fleet-error.js';
import { StateError } from '../errors/state-error.js';
import { foldAttempts, summarize, type Attempt } from './status.js';
import { JOURNAL_VERSION, type JournalRecord, type RunMeta, type RunSummary, type TaskEndRecord } from './types.js';
import { JOURNAL_FILE, SUMMARY_FILE, runDir } from './writer.js';

export interface JournalRead {
  meta: RunMeta;
  records: JournalRecord[];
  /** the last line was cut short (the writer died mid-write); it was dropped */
  torn: boolean;
}

export function journalPath(stateDir: string, runId: string): string {
  return join(runDir(stateDir, runId), JOURNAL_FILE);
}

/**
 * Reads a journal. Only the end of the file may be damaged by a crash (a line without its newline, or
 * garbage such as zeros after a power loss): those lines are dropped and `torn` is set. A bad line with
 * good lines after it is corruption: StateError state.journalCorrupt.
 */
export function readJournal(path: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StateError('state.journalRead', `cannot read journal ${path}: ${(err as Error).message}`, err);
  }
  const lines = text.split('\n');
  // the segment after the last newline is '' for a clean file, else a torn line
  let torn = lines.pop() !== '';
  const records: JournalRecord[] = [];
  let badAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const rec = parseLine(lines[i]!);
    if (rec) {
      if (badAt >= 0) throw new StateError('state.journalCorrupt', `${path}:${badAt + 1}: not a journal record`);
      records.push(rec);
    } else if (badAt < 0) {
      badAt = i;
    }
  }
  if (badAt >= 0) torn = true;
  const first = records[0];
  if (first?.type !== 'run-start') throw new StateError('state.journalCorrupt', `${path}: no run-start record`);
  if (Math.floor(first.v) > JOURNAL_VERSION) throw new StateError('state.journalVersion', `${path}: journal format ${first.v} is newer than this fleetsweep understands (${JOURNAL_VERSION})`);
  return { meta: first.meta, records, torn };
}

function parseLine(line: string): JournalRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as JournalRecord;
    return typeof v === 'object' && v !== null && typeof v.type === 'string' && typeof v.seq === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the run's process still lives: only knowable on the host that started it. A reused pid reads as alive. */
export function runAlive(meta: RunMeta): boolean {
  return meta.hostname === osHostname() && pidAlive(meta.pid);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runIds(stateDir: string): string[] {
  try {
    return readdirSync(join(stateDir, 'runs'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StateError('state.journalRead', `cannot list runs in ${stateDir}: ${(err as Error).message}`, err);
  }
}

/** One run's summary: summary.json when the run closed, else from its journal. Never throws: problems go in `problem`. */
export function runSummary(stateDir: string, id: string): RunSummary {
  const dir = runDir(stateDir, id);
  try {
    const s = JSON.parse(readFileSync(join(dir, SUMMARY_FILE), 'utf8')) as RunSummary;
    if (s && s.id === id && typeof s.startedAt === 'string') return s;
  } catch {
    // missing (running, crashed) or unreadable: the journal is the truth
  }
  try {
    const { meta, records, torn } = readJournal(join(dir, JOURNAL_FILE));
    const s = summarize(meta, records, runAlive);
    return torn ? { ...s, problem: 'journal ends with a torn record (the writer died mid-write)' } : s;
  } catch (err) {
    return {
      id, kind: 'run', playbook: '', check: false, startedAt: '', state: 'crashed', hosts: 0, changed: 0, failed: 0,
      outcomes: { ok: 0, changed: 0, 'would-change': 0, skipped: 0, failed: 0, hung: 0, unreachable: 0 },
      user: '', hostname: '', pid: 0, problem: (err as Error).message,
    };
  }
}

/** Every run, newest first. Closed runs cost one small summary.json read each. */
export function listRuns(stateDir: string): RunSummary[] {
  return runIds(stateDir)
    .map((id) => runSummary(stateDir, id))
    .sort((a, b) => (a.startedAt === b.startedAt ? cmp(b.id, a.id) : cmp(b.startedAt, a.startedAt)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs whose parent is `parentId` (its rollbacks and resumes), oldest first. */
export function childRuns(stateDir: string, parentId: string, kind?: RunSummary['kind']): RunSummary[] {
  return listRuns(stateDir).filter((s) => s.parentRunId === parentId && (kind === undefined || s.kind === kind)).reverse();
}

/**
 * The run id a user typed: an exact id, else a unique prefix (like git). No match: state.unknownRun;
 * several: state.ambiguousRun listing them. Both exit 2 (usage).
 */
export function resolveRunId(stateDir: string, prefix: string): string {
  const ids = runIds(stateDir);
  if (ids.includes(prefix)) return prefix;
  const hits = prefix === '' ? [] : ids.filter((id) => id.startsWith(prefix)).sort().reverse();
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new FleetError('state.unknownRun', `no run matches "${prefix}" in ${join(stateDir, 'runs')}`, { exitCode: ExitCode.USAGE });
  const shown = hits.slice(0, 10).join(', ') + (hits.length > 10 ? `, ... (${hits.length} in all)` : '');
  throw new FleetError('state.ambiguousRun', `"${prefix}" matches ${hits.length} runs: ${shown}`, { exitCode: ExitCode.USAGE });
}

export interface TaskView {
  play: number;
  task: number;
  taskName: string;
  /** from task-end; absent when the task did not finish (crash) */
  outcome?: Outcome;
  reason?: string;
  /** contract steps, one per loop item (and per attempt when an item repeated) */
  steps: Attempt[];
}

export interface HostView {
  host: string;
  tasks: TaskView[];
}

export interface RunView {
  summary: RunSummary;
  meta: RunMeta;
  torn: boolean;
  /** ids of rollback runs of this run, whose rollbacks are reflected in the step statuses */
  rollbackRuns: string[];
  hosts: HostView[];
}

/**
 * One run in detail: per host and task, each step's phases (check, snapshot, apply with its snapshot,
 * verify, rollback: the journaled begin/end records) and its status, rollback runs of it included.
 */
export function showRun(stateDir: string, id: string, opts: { host?: string } = {}): RunView {
  const runId = resolveRunId(stateDir, id);
  const { meta, records, torn } = readJournal(journalPath(stateDir, runId));
  const rollbacks = childRuns(stateDir, runId, 'rollback').map((s) => s.id);
  const rbRecords = rollbacks.map((rid) => readJournal(journalPath(stateDir, rid)).records);
  const attempts = foldAttempts(records, rbRecords);

  const hosts = new Map<string, Map<string, TaskView>>();
  const taskView = (host: string, play: number, task: number, taskName: string): TaskView => {
    let tasks = hosts.get(host);
    if (!tasks) hosts.set(host, (tasks = new Map()));
    const k = `${play}/${task}`;
    let v = tasks.get(k);
    if (!v) tasks.set(k, (v = { play, task, taskName, steps: [] }));
    return v;
  };
  const wanted = (h: string) => opts.host === undefined || h === opts.host;
  // hosts and tasks in the order they first appear in the journal
  for (const rec of records) {
    if (rec.type !== 'step' && rec.type !== 'task-end') continue;
    if (!wanted(rec.host)) continue;
    const v = taskView(rec.host, rec.play, rec.task, rec.taskName);
    if (rec.type === 'task-end') setOutcome(v, rec);
  }
  for (const a of attempts) if (wanted(a.host)) taskView(a.host, a.play, a.task, a.taskName).steps.push(a);
  return {
    summary: runSummary(stateDir, runId), meta, torn, rollbackRuns: rollbacks,
    hosts: [...hosts].map(([host, tasks]) => ({ host, tasks: [...tasks.values()] })),
  };
}

function setOutcome(v: TaskView, rec: TaskEndRecord): void {
  v.outcome = rec.outcome;
  if (rec.reason !== undefined) v.reason = rec.reason;
}
