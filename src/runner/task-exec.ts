// Executes one task on one host: loop items, `when`, the action (command, contract, local module), register.
import type { Vars } from '../model/inventory.js';
import type { Play, Task, Tmpl } from '../model/playbook.js';
import type { CommandResult, ItemResult, Outcome, TaskResult } from '../model/outcome.js';
import { worse } from '../model/outcome.js';
import { formatLocation } from '../model/source.js';
import { evaluate, evaluateBool, renderArgv, renderCommand, renderString, withData, type ShellCommand } from '../template/index.js';
import { FleetError } from '../errors/fleet-error.js';
import { UnreachableError, type BecomeSpec, type ConnectTarget } from '../transport/connection.js';
import { hostConnection } from '../config/host-connection.js';
import type { HostState } from './host-state.js';
import { hostVars, type RunScope } from './context.js';
import { registered, runCommand } from './command.js';
import { runContract } from './contract.js';
import { runLocalAction } from './local-actions.js';
import type { RunOptions } from './types.js';

/** Everything one task execution needs besides the task itself. */
export interface TaskEnv {
  opts: RunOptions;
  scope: RunScope;
  target: (s: HostState) => ConnectTarget;
}

/** What an item's action produced: its outcome, and what `register` stores for it. */
export interface ItemRun {
  outcome: Outcome;
  reason?: string;
  phases: ItemResult['phases'];
  reg: Record<string, unknown>;
}

/** The per-item context handed to actions. */
export interface ItemCtx {
  env: TaskEnv;
  state: HostState;
  play: Play;
  playIdx: number;
  task: Task;
  taskIdx: number;
  /** the task loops; `item` is the current loop item */
  looped: boolean;
  item: unknown;
  vars: Vars;
  exec: (cmd: ShellCommand, phase: string) => Promise<CommandResult>;
}

export async function runTask(env: TaskEnv, state: HostState, play: Play, playIdx: number, task: Task, taskIdx: number, playHosts: string[]): Promise<TaskResult> {
  const started = Date.now();
  env.opts.sink.emit({ type: 'task-start', host: state.name, play: playIdx, task: taskIdx, name: task.name });
  const base: TaskResult = { host: state.name, play: playIdx, task: taskIdx, name: task.name, loc: task.loc, outcome: 'ok', startedAt: new Date(started).toISOString(), durationMs: 0 };
  const vars = hostVars(env.scope, state, play, playHosts, task);
  let result: TaskResult;
  try {
    result = { ...base, ...(await runItems(env, state, play, playIdx, task, taskIdx, vars)) };
  } catch (err) {
    if (err instanceof UnreachableError) {
      state.markUnreachable(err);
      env.opts.sink.emit({ type: 'unreachable', host: state.name, reason: err.reason, message: err.message });
      result = { ...base, outcome: 'unreachable', reason: `${err.reason}: ${err.message}` };
    } else if (err instanceof FleetError) {
      result = { ...base, outcome: 'failed', reason: describe(err) };
    } else {
      throw err;
    }
  }
  result.durationMs = Date.now() - started;
  if (task.action.kind === 'debug' && result.outcome === 'ok') result.message = result.items ? result.items.map((i) => i.reason ?? '').join('\n') : result.reason;
  if ((result.outcome === 'failed' || result.outcome === 'hung') && task.ignoreErrors) result.ignored = true;
  if (!result.ignored && (result.outcome === 'failed' || result.outcome === 'hung') && !state.out) {
    state.out = { outcome: result.outcome, reason: `task "${task.name}": ${result.reason ?? result.outcome}` };
  }
  env.opts.journal?.taskEnd(result);
  env.opts.sink.emit({ type: 'task-end', result });
  return result;
}

/** A task that could not even start on this host (e.g. its concurrency key failed to render): failed, host out. */
export function failTask(env: TaskEnv, state: HostState, play: Play, playIdx: number, task: Task, taskIdx: number, reason: string): TaskResult {
  void play;
  const result: TaskResult = { host: state.name, play: playIdx, task: taskIdx, name: task.name, loc: task.loc, outcome: 'failed', reason, startedAt: new Date().toISOString(), durationMs: 0 };
  state.out ??= { outcome: 'failed', reason: `task "${task.name}": ${reason}` };
  env.opts.sink.emit({ type: 'task-end', result });
  return result;
}

async function runItems(env: TaskEnv, state: HostState, play: Play, playIdx: number, task: Task, taskIdx: number, vars: Vars): Promise<Partial<TaskResult>> {
  const looped = task.loop !== undefined;
  const items = looped ? loopItems(task, vars) : [undefined];
  const conn = hostConnection(state.host);
  const become: BecomeSpec | undefined = (task.become ?? (play.become || conn.become))
    ? { user: task.becomeUser ?? (play.become ? play.becomeUser : conn.becomeUser), password: env.opts.becomePassword }
    : undefined;
  const timeoutMs = task.timeoutMs ?? play.timeoutMs ?? env.opts.timeoutMs;
  const envVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(task.environment)) envVars[k] = renderString({ text: v, loc: task.loc }, vars);

  const results: ItemResult[] = [];
  const regs: Record<string, unknown>[] = [];
  let last: CommandResult | undefined;
  for (const item of items) {
    // Ctrl-C/SIGTERM: the item in flight finishes; no further item of the loop starts (resume does them)
    if (results.length > 0 && env.opts.interrupt.aborted) break;
    const iv: Vars = looped ? withData(vars, { [task.loopVar]: item }) : vars;
    let run: ItemRun;
    const failedWhen = task.when.find((w) => !evaluateBool(w, iv));
    if (failedWhen) {
      run = { outcome: 'skipped', reason: `when: ${failedWhen.text}`, phases: {}, reg: { skipped: true, skip_reason: `Conditional result was False` } };
    } else {
      const ctx: ItemCtx = {
        env, state, play, playIdx, task, taskIdx, looped, item, vars: iv,
        exec: (cmd, phase) => runCommand(env.opts, state, () => env.target(state), { cmd, phase, timeoutMs, become, env: envVars }),
      };
      run = await runAction(ctx);
    }
    if (looped) run.reg = { ...run.reg, item };
    results.push({ item, outcome: run.outcome, reason: run.reason, phases: run.phases });
    regs.push(run.reg);
    last = run.phases.cmd ?? run.phases.verify ?? run.phases.apply ?? run.phases.check ?? last;
    // a host that went out mid-loop (unreachable) stops its loop
    if (state.unreachable) break;
  }

  const outcome = aggregate(results.map((r) => r.outcome));
  const reason = results.find((r) => r.outcome === outcome)?.reason;
  if (task.register) {
    state.facts[task.register] = looped
      ? { results: regs, changed: outcome === 'changed', failed: outcome === 'failed' || outcome === 'hung', skipped: outcome === 'skipped', msg: reason ?? '' }
      : regs[0];
  }
  // a contract always reports its item(s), so reports tell "would change"/"fixed"/"fix failed" from data, not prose
  const itemized = looped || task.action.kind === 'contract';
  return { outcome, reason, result: last, items: itemized ? results : undefined };
}

async function runAction(ctx: ItemCtx): Promise<ItemRun> {
  const a = ctx.task.action;
  switch (a.kind) {
    case 'shell':
      return runShell(ctx, renderCommand(a.cmd, ctx.vars));
    case 'argv':
      return runShell(ctx, renderArgv(a.argv, ctx.vars));
    case 'contract':
      return runContract(ctx, a.contract);
    case 'set_fact':
    case 'group_by':
    case 'add_host':
    case 'debug':
    case 'fail':
    case 'assert':
      return runLocalAction(ctx, a);
  }
}

/** A plain command. In check mode it runs only when declared read-only (changed_when: false or check_mode: false). */
async function runShell(ctx: ItemCtx, cmd: ShellCommand): Promise<ItemRun> {
  const { task } = ctx;
  if (ctx.env.scope.check && !readOnly(task)) {
    return { outcome: 'skipped', reason: 'check mode: this command may change the host (mark read-only commands with changed_when: false)', phases: {}, reg: { skipped: true, cmd: cmd.masked } };
  }
  const attempts = task.until ? Math.max(1, task.retries + 1) : 1;
  let r: CommandResult | undefined;
  let reg: Record<string, unknown> = {};
  let failed = false;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    r = await ctx.exec(cmd, 'cmd');
    reg = registered(r, cmd.masked, { attempts: attempt });
    const cv = task.register ? withData(ctx.vars, { [task.register]: reg }) : ctx.vars;
    failed = r.timedOut || (task.failedWhen ? evaluateBool(task.failedWhen, cv) : r.rc !== 0);
    if (!task.until || r.timedOut || evaluateBool(task.until, cv)) break;
    if (attempt < attempts) await sleep(task.delayMs, ctx.env.opts.hardStop);
    if (attempt === attempts) failed = true;
  }
  r = r!;
  const cv = task.register ? withData(ctx.vars, { [task.register]: reg }) : ctx.vars;
  const changed = !failed && (task.changedWhen ? evaluateBool(task.changedWhen, cv) : true);
  reg = { ...reg, failed, changed };
  if (r.timedOut) {
    return { outcome: 'hung', reason: `no result after ${Math.round(r.durationMs / 1000)}s; the remote command was killed`, phases: { cmd: r }, reg };
  }
  if (failed) return { outcome: 'failed', reason: failReason(r), phases: { cmd: r }, reg };
  return { outcome: changed ? 'changed' : 'ok', phases: { cmd: r }, reg };
}

export function failReason(r: CommandResult): string {
  const err = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0] ?? '';
  return `rc=${r.rc}${err ? `: ${err.slice(0, 200)}` : ''}`;
}

function readOnly(task: Task): boolean {
  return task.changedWhen !== undefined && /^\s*(false|False|no)\s*$/.test(task.changedWhen.text);
}

function loopItems(task: Task, vars: Vars): unknown[] {
  const loop = task.loop;
  if (Array.isArray(loop)) return loop.map((v) => (typeof v === 'string' && v.includes('{{') ? evaluate({ text: v, loc: task.loc }, vars) : v));
  const v = evaluate(loop as Tmpl, vars);
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null || v === '') return [];
  throw new FleetError('runner.loopNotList', `loop must be a list, got ${typeof v} (${formatLocation((loop as Tmpl).loc)})`);
}

/** hung > failed > changed > would-change > ok > skipped; all skipped → skipped. */
export function aggregate(outcomes: Outcome[]): Outcome {
  if (outcomes.length === 0) return 'skipped';
  return outcomes.reduce((a, b) => worse(a, b));
}

function describe(err: FleetError): string {
  const loc = (err as { loc?: { file: string; line: number; col: number } }).loc;
  return `${err.code}: ${err.message}${loc ? ` (${formatLocation(loc)})` : ''}`;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
