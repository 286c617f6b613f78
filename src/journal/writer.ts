// The run journal writer: append-only JSONL, made durable (fsync) before every destructive command.
import { join } from 'node:path';
import { hostname as osHostname, userInfo } from 'node:os';
import type { CommandResult, Outcome, TaskResult } from '../model/outcome.js';
import { OUTCOMES } from '../model/outcome.js';
import { FleetError } from '../errors/fleet-error.js';
import { StateError } from '../errors/state-error.js';
import { nodeJournalFs, type JournalFile, type JournalFs } from './fs-layer.js';
import { Redactor, itemKey, journaledOutput, maskedText, redactRecord, OUTPUT_CAP, SNAPSHOT_CAP } from './redact.js';
import {
  JOURNAL_VERSION,
  type ApplyEntry, type CommandText, type EndState, type JournalPhase, type JournalRecord, type RollbackEntry,
  type RunCounts, type RunMeta, type RunSummary, type StepFields, type StepRef,
} from './types.js';

export const JOURNAL_FILE = 'journal.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface WriterOptions {
  /** file operations; tests inject failures and fsync spies */
  fs?: JournalFs;
  /** secret values to mask in everything written; more can be added with addSecrets */
  secrets?: Iterable<string>;
  now?: () => Date;
  /** cap of each journaled stdout/stderr, characters (default 64 Ki) */
  outputCap?: number;
  /**
   * Buffered (non-destructive) records are handed to the OS this long after the first one is queued, without
   * fsync, so a killed process loses none of them; 0 = only at fsync points and close. Default 200 ms.
   */
  lazyWriteMs?: number;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A large backlog is written without waiting for the lazy timer. */
const PENDING_LIMIT = 256 * 1024;

export function runDir(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId);
}

/** user, hostname and pid of this process, for RunMeta and lock owners. */
export function processIdentity(): { user: string; hostname: string; pid: number } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
  return { user, hostname: osHostname(), pid: process.pid };
}

/**
 * One run's journal. Record order in the file is call order. Non-destructive records are buffered;
 * `beforeApply` / `beforeRollback` / `flush` / `close` write everything queued and fsync it, so the
 * snapshot and the apply-begin record (with its rollback command) are on disk before the apply is sent.
 * After any write or fsync error the writer is failed for good: every later durable call rejects with the
 * same StateError (state.journalWrite), and the runner must not apply anything more.
 */
export class JournalWriter {
  readonly runId: string;
  readonly dir: string;
  readonly path: string;
  readonly meta: RunMeta;
  private readonly redactor: Redactor;
  private readonly now: () => Date;
  private readonly outputCap: number;
  private readonly lazyWriteMs: number;
  private seq = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingLastSeq = 0;
  private writtenSeq = 0;
  private syncedSeq = 0;
  /** file operations run one at a time, in order */
  private chain: Promise<void> = Promise.resolve();
  private failure?: StateError;
  private closed = false;
  private closedSummary?: RunSummary;
  private timer?: NodeJS.Timeout;
  private startedAt = '';
  private readonly hostsSeen = new Set<string>();
  private readonly outcomes = emptyOutcomes();

  private constructor(private readonly fs: JournalFs, private readonly file: JournalFile, dir: string, meta: RunMeta, opts: WriterOptions) {
    this.runId = meta.runId;
    this.dir = dir;
    this.path = join(dir, JOURNAL_FILE);
    this.meta = meta;
    this.redactor = new Redactor(opts.secrets);
    this.now = opts.now ?? (() => new Date());
    this.outputCap = opts.outputCap ?? OUTPUT_CAP;
    this.lazyWriteMs = opts.lazyWriteMs ?? 200;
    for (const h of meta.hosts ?? []) this.hostsSeen.add(h);
  }

  /**
   * Creates `<stateDir>/runs/<runId>/journal.jsonl` (dirs 0700, file 0600), writes run-start and fsyncs the
   * file and both directories. `stateDir` must exist (resolveStateDir). Any failure (read-only or full
   * filesystem, a file where a directory should be, an existing run with this id) is a StateError.
   */
  static async open(stateDir: string, meta: RunMeta, opts: WriterOptions = {}): Promise<JournalWriter> {
    if (!RUN_ID.test(meta.runId)) throw new StateError('state.badRunId', `run id "${meta.runId}" is not a safe file name`);
    const fs = opts.fs ?? nodeJournalFs;
    const runs = join(stateDir, 'runs');
    const dir = runDir(stateDir, meta.runId);
    let file: JournalFile | undefined;
    try {
      await fs.mkdir(runs, true);
      try {
        await fs.mkdir(dir, false);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StateError('state.runExists', `a run with id ${meta.runId} already exists in ${runs}`, err);
        throw err;
      }
      file = await fs.createAppend(join(dir, JOURNAL_FILE));
      const w = new JournalWriter(fs, file, dir, meta, opts);
      w.queue({ type: 'run-start', v: JOURNAL_VERSION, meta });
      await w.flushQueue(true);
      await fs.syncDir(dir);
      await fs.syncDir(runs);
      return w;
    } catch (err) {
      await file?.close().catch(() => undefined);
      if (err instanceof StateError && err.code === 'state.runExists') throw err;
      throw new StateError('state.journalOpen', `cannot create the run journal in ${dir}: ${(err as Error).message}`, err);
    }
  }

  /** Masks `text` with the writer's secrets, as every record is. */
  redact = (text: string): string => this.redactor.redact(text);

  /** More secret values (e.g. a become password read after open). */
  addSecrets(values: Iterable<string>): void {
    this.redactor.add(values);
  }

  /** The itemKey the journal stores for `item`: compare with this when resuming. */
  itemKey(item: unknown): string {
    return itemKey(item, this.redact);
  }

  /** A read-only phase began (buffered). */
  begin(ref: StepRef, phase: 'check' | 'snapshot' | 'verify', command?: CommandText): void {
    this.queue({ type: 'step', ...this.fields(ref), phase, event: 'begin', ...(command === undefined ? {} : { command: maskedText(command) }) });
  }

  /** A phase ended, any phase including apply and rollback (buffered: a lost end record only makes a step look less finished). */
  end(ref: StepRef, phase: JournalPhase, result: CommandResult, command?: CommandText): void {
    const cap = phase === 'snapshot' ? Math.max(this.outputCap, SNAPSHOT_CAP) : this.outputCap;
    this.queue({
      type: 'step', ...this.fields(ref), phase, event: 'end',
      ...journaledOutput(result, this.redact, cap),
      ...(command === undefined ? {} : { command: maskedText(command) }),
    });
  }

  /**
   * Write-ahead for a destructive apply: records the apply begin (item, snapshot, rollback command) after
   * everything queued before it, and resolves only once all of it is fsynced. Rejects with StateError
   * (state.journalWrite) when it cannot: the runner must then not send the apply.
   * A rollback command holding a secret (text !== masked, or a known secret value in it) is stored masked
   * with `rollbackNeedsRender: true`, to be rendered again from the task when rolling back.
   */
  async beforeApply(e: ApplyEntry): Promise<void> {
    this.throwIfFailed();
    this.queue({
      type: 'step', ...this.fields(e), phase: 'apply', event: 'begin',
      command: maskedText(e.command),
      item: e.item,
      verify: e.verify,
      ...(e.snapshot ? { snapshot: journaledOutput(e.snapshot, this.redact, Math.max(this.outputCap, SNAPSHOT_CAP)) } : {}),
      ...this.rollbackFields(e.rollback),
      ...this.checkField(e.check),
      ...(e.taskLoc ? { taskLoc: e.taskLoc } : {}),
    });
    await this.flushQueue(true);
  }

  /** Write-ahead for a rollback command (a rollback run): durable like beforeApply. */
  async beforeRollback(e: RollbackEntry): Promise<void> {
    this.throwIfFailed();
    this.queue({
      type: 'step', ...this.fields(e), phase: 'rollback', event: 'begin',
      command: maskedText(e.command), item: e.item,
      ...(e.undoes === undefined ? {} : { undoes: e.undoes }),
    });
    await this.flushQueue(true);
  }

  /** A task finished on a host, any kind of task (buffered); feeds counts and resume. */
  taskEnd(r: TaskResult): void {
    this.hostsSeen.add(r.host);
    this.outcomes[r.outcome]++;
    this.queue({
      type: 'task-end', host: r.host, play: r.play, task: r.task, taskName: r.name, outcome: r.outcome,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      ...(r.ignored ? { ignored: true } : {}),
      durationMs: r.durationMs,
    });
  }

  /** Free-form context kept with the run (buffered). */
  note(message: string, data?: { host?: string; [k: string]: unknown }): void {
    this.queue({ type: 'note', ...(data?.host ? { host: data.host } : {}), message, ...(data === undefined ? {} : { data }) });
  }

  /** Writes and fsyncs everything queued. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    await this.flushQueue(true);
  }

  /**
   * Writes run-end, fsyncs, closes the file and writes summary.json (used by listRuns). Counts default to
   * the task outcomes passed to taskEnd. Rejects with the writer's StateError when the journal could not be
   * written completely (the file is closed either way). Calling it again does nothing.
   */
  async close(state: EndState, counts?: RunCounts): Promise<RunSummary> {
    if (this.closedSummary) return this.closedSummary;
    if (this.closed) throw this.failure ?? new FleetError('journal.closed', `journal of run ${this.runId} is being closed`);
    const c = counts ?? { hosts: this.hostsSeen.size, outcomes: { ...this.outcomes } };
    if (this.timer) clearTimeout(this.timer);
    let endedAt = '';
    if (!this.failure) {
      endedAt = this.queue({ type: 'run-end', state, counts: c });
    }
    this.closed = true;
    try {
      await this.flushQueue(true);
    } finally {
      await this.chain;
      await this.file.close().catch(() => undefined);
    }
    const summary = this.summary(state, c, endedAt);
    this.closedSummary = summary;
    // summary.json only speeds up listRuns (it falls back to the journal), so failing to write it is not a run failure.
    await this.fs.writeFileAtomic(join(this.dir, SUMMARY_FILE), JSON.stringify(summary) + '\n').catch(() => undefined);
    return summary;
  }

  // ---- internals ----

  private fields(ref: StepRef): StepFields {
    this.hostsSeen.add(ref.host);
    return { host: ref.host, play: ref.play, task: ref.task, taskName: ref.taskName, itemKey: this.itemKey(ref.item) };
  }

  private rollbackFields(rb: CommandText | undefined): { rollback: string | null; rollbackNeedsRender?: true } {
    if (rb === undefined) return { rollback: null };
    const text = typeof rb === 'string' ? rb : rb.text;
    const stored = this.redact(maskedText(rb));
    return stored === text ? { rollback: stored } : { rollback: stored, rollbackNeedsRender: true };
  }

  /** The check command, kept so a rollback can tell whether the pre-state is back; left out when it held a secret. */
  private checkField(c: CommandText | undefined): { check?: string } {
    if (c === undefined) return {};
    const text = typeof c === 'string' ? c : c.text;
    const stored = this.redact(maskedText(c));
    return stored === text ? { check: stored } : {};
  }

  private summary(state: EndState, counts: RunCounts, endedAt: string): RunSummary {
    return {
      id: this.runId, kind: this.meta.kind,
      ...(this.meta.parentRunId ? { parentRunId: this.meta.parentRunId } : {}),
      playbook: this.redact(this.meta.playbook.path), check: this.meta.check,
      startedAt: this.startedAt, ...(endedAt ? { endedAt } : {}), state,
      hosts: counts.hosts, changed: counts.outcomes.changed, failed: counts.outcomes.failed + counts.outcomes.hung,
      outcomes: counts.outcomes, user: this.meta.user, hostname: this.meta.hostname, pid: this.meta.pid,
    };
  }

  /** Serializes a record into the queue; returns its time. */
  private queue(body: Record<string, unknown> & { type: JournalRecord['type'] }): string {
    if (this.closed) throw new FleetError('journal.closed', `journal of run ${this.runId} is closed; record "${body.type}" not written`);
    const t = this.now().toISOString();
    // a failed journal writes nothing more; keep no backlog
    if (this.failure) return t;
    if (this.seq === 0) this.startedAt = t;
    const rec = redactRecord({ seq: ++this.seq, t, ...body }, this.redact);
    const line = JSON.stringify(rec) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.pendingLastSeq = this.seq;
    if (this.pendingBytes >= PENDING_LIMIT) void this.flushQueue(false).catch(() => undefined);
    else if (this.lazyWriteMs > 0 && !this.timer && this.seq > 1) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flushQueue(false).catch(() => undefined);
      }, this.lazyWriteMs);
      this.timer.unref();
    }
    return t;
  }

  /**
   * Queues one file operation: write whatever is pending at the time it runs, then fsync if `durable` and
   * not already covered. Concurrent durable callers share one fsync (group commit) without reordering:
   * a record is queued before its flush, and flushes run in order.
   */
  private flushQueue(durable: boolean): Promise<void> {
    const op = this.chain.then(async () => {
      if (this.failure) throw this.failure;
      try {
        if (this.pending.length > 0) {
          const data = Buffer.from(this.pending.join(''), 'utf8');
          const upTo = this.pendingLastSeq;
          this.pending = [];
          this.pendingBytes = 0;
          await this.file.append(data);
          this.writtenSeq = upTo;
        }
        if (durable && this.syncedSeq < this.writtenSeq) {
          const upTo = this.writtenSeq;
          await this.file.sync();
          this.syncedSeq = upTo;
        }
      } catch (err) {
        this.failure = new StateError('state.journalWrite', `cannot write the run journal ${this.path}: ${(err as Error).message}`, err);
        throw this.failure;
      }
    });
    this.chain = op.catch(() => undefined);
    return op;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

export function emptyOutcomes(): Record<Outcome, number> {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
}

