// The check → snapshot → apply → verify contract for one item. Apply runs only when check says it is needed,
// within the change budget, and only after the snapshot and the rendered rollback are durable in the journal.
import type { Contract, Tmpl } from '../model/playbook.js';
import type { CommandResult } from '../model/outcome.js';
import type { StepRef } from '../model/journal.js';
import { renderCommand, withData, type ShellCommand } from '../template/index.js';
import { StateError } from '../errors/state-error.js';
import { registered } from './command.js';
import { failReason, type ItemCtx, type ItemRun } from './task-exec.js';

/** check exit codes: 0 = a change is needed, 1 = nothing to do; anything else is an error. */
export const CHECK_NEEDS_CHANGE = 0;
export const CHECK_NOTHING_TO_DO = 1;

type Phase = 'check' | 'snapshot' | 'apply' | 'verify';

export async function runContract(ctx: ItemCtx, c: Contract): Promise<ItemRun> {
  const { scope, opts } = ctx.env;
  const journal = opts.journal;
  const ref: StepRef = { host: ctx.state.name, play: ctx.playIdx, task: ctx.taskIdx, taskName: ctx.task.name, ...(ctx.looped ? { item: ctx.item } : {}) };
  const phases: ItemRun['phases'] = {};
  const reg: Record<string, unknown> = {};
  const vars = () => withData(ctx.vars, { check: reg.check, snapshot: reg.snapshot });
  const render = (t: Tmpl): ShellCommand => renderCommand(t, vars());
  const step = async (phase: Phase, cmd: ShellCommand): Promise<CommandResult> => {
    if (phase !== 'apply') journal?.begin(ref, phase, cmd);
    const r = await ctx.exec(cmd, phase);
    journal?.end(ref, phase, r, cmd);
    phases[phase] = r;
    reg[phase] = registered(r, cmd.masked);
    return r;
  };
  const done = (outcome: ItemRun['outcome'], reason?: string): ItemRun => ({
    outcome, reason, phases,
    reg: { ...reg, changed: outcome === 'changed', failed: outcome === 'failed' || outcome === 'hung', would_change: outcome === 'would-change' },
  });

  const verifiedBefore = opts.alreadyVerified?.(ref);
  if (verifiedBefore) return done('ok', `already applied and verified by run ${verifiedBefore}`);

  let why = 'no check declared: apply always runs';
  let checkCmd: ShellCommand | undefined;
  if (c.check) {
    checkCmd = render(c.check);
    const r = await step('check', checkCmd);
    if (r.timedOut) return done('hung', 'check did not finish before its deadline; nothing applied');
    const said = firstLine(r.stdout) || firstLine(r.stderr);
    if (r.rc === CHECK_NOTHING_TO_DO) return done('ok', said || 'check: nothing to do');
    if (r.rc !== CHECK_NEEDS_CHANGE) return done('failed', `check failed (${failReason(r)}); nothing applied`);
    why = said || 'check: change needed';
  }
  if (scope.check) return done('would-change', why);
  if (scope.stateError) return done('failed', `not applied: ${scope.stateError}`);

  // The change budget is reserved before anything destructive starts; JS runs this check-and-take atomically.
  const over = takeChange(ctx);
  if (over) return done('skipped', over);

  if (c.snapshot) {
    const r = await step('snapshot', render(c.snapshot));
    if (r.timedOut) return done('hung', 'snapshot did not finish; nothing applied');
    if (r.rc !== 0) return done('failed', `snapshot failed (${failReason(r)}); nothing applied`);
  }
  const applyCmd = render(c.apply);
  // rendered now, with the item and the captured snapshot, so a later `fleetsweep rollback` needs no playbook
  const rollbackCmd = c.rollback ? render(c.rollback) : undefined;
  // Write-ahead: the journal must hold the snapshot and the rollback before the apply leaves this process.
  try {
    await journal?.beforeApply({ ...ref, command: cmdText(applyCmd), rollback: rollbackCmd && cmdText(rollbackCmd), check: checkCmd && cmdText(checkCmd), snapshot: phases.snapshot, verify: Boolean(c.verify), taskLoc: ctx.task.loc });
  } catch (err) {
    const e = err instanceof StateError ? err : new StateError('state.journalWrite', `cannot journal the snapshot (${(err as Error).message}): nothing applied`, err);
    scope.stateError ??= e.message;
    return done('failed', e.message);
  }

  const a = await step('apply', applyCmd);
  if (a.timedOut) return done('hung', 'apply did not finish before its deadline: it may have partly applied');
  if (a.rc !== 0) return done('failed', `apply failed (${failReason(a)})`);
  if (!c.verify) return done('changed', why);
  const v = await step('verify', render(c.verify));
  if (v.timedOut) return done('hung', 'verify did not finish before its deadline');
  if (v.rc !== 0) return done('failed', `verify failed after apply (${failReason(v)})`);
  return done('changed', why);
}

/** Takes one change from the run's and the play's budget; returns why not when a budget is spent. */
function takeChange(ctx: ItemCtx): string | undefined {
  const { scope } = ctx.env;
  const runMax = ctx.env.opts.maxChanges;
  const playMax = ctx.play.maxChanges;
  const inPlay = scope.changes.perPlay.get(ctx.playIdx) ?? 0;
  if (runMax !== undefined && scope.changes.run >= runMax) return limitHit(ctx, `max_changes ${runMax} for the run reached: not applied`);
  if (playMax !== undefined && inPlay >= playMax) return limitHit(ctx, `max_changes ${playMax} for play "${ctx.play.name}" reached: not applied`);
  scope.changes.run++;
  scope.changes.perPlay.set(ctx.playIdx, inPlay + 1);
  return undefined;
}

function limitHit(ctx: ItemCtx, reason: string): string {
  ctx.env.scope.limitReached ??= reason.replace(': not applied', '; further destructive steps were not started');
  return reason;
}

function cmdText(c: ShellCommand): { text: string; masked: string } {
  return { text: c.text, masked: c.masked };
}

function firstLine(s: string): string {
  return (s.trim().split('\n')[0] ?? '').slice(0, 300);
}
