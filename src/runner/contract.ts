// The check → snapshot → apply → verify contract for one item. Apply runs only when check says it is needed,
// and only after the snapshot is durable in the journal.
import type { Contract } from '../model/playbook.js';
import type { CommandResult } from '../model/outcome.js';
import { renderCommand } from '../template/index.js';
import { registered } from './command.js';
import { StateError } from '../errors/state-error.js';
import { failReason, type ItemCtx, type ItemRun } from './task-exec.js';

/** check exit codes: 0 = a change is needed, 1 = nothing to do; anything else is an error. */
export const CHECK_NEEDS_CHANGE = 0;
export const CHECK_NOTHING_TO_DO = 1;

export async function runContract(ctx: ItemCtx, c: Contract): Promise<ItemRun> {
  const phases: ItemRun['phases'] = {};
  const reg: Record<string, unknown> = {};
  const vars = () => ({ ...ctx.vars, check: reg.check, snapshot: reg.snapshot });
  const step = async (phase: 'check' | 'snapshot' | 'apply' | 'verify', tmpl: NonNullable<Contract['check']>): Promise<CommandResult> => {
    const cmd = renderCommand(tmpl, vars());
    const r = await ctx.exec(cmd, phase);
    phases[phase] = r;
    reg[phase] = registered(r, cmd.masked);
    return r;
  };
  const done = (outcome: ItemRun['outcome'], reason?: string): ItemRun => ({
    outcome, reason, phases,
    reg: { ...reg, changed: outcome === 'changed', failed: outcome === 'failed' || outcome === 'hung', would_change: outcome === 'would-change' },
  });

  let why = 'no check declared: apply always runs';
  if (c.check) {
    const r = await step('check', c.check);
    if (r.timedOut) return done('hung', 'check did not finish before its deadline; nothing applied');
    const said = firstLine(r.stdout) || firstLine(r.stderr);
    if (r.rc === CHECK_NOTHING_TO_DO) return done('ok', said || 'check: nothing to do');
    if (r.rc !== CHECK_NEEDS_CHANGE) return done('failed', `check failed (${failReason(r)}); nothing applied`);
    why = said || 'check: change needed';
  }
  if (ctx.env.scope.check) return done('would-change', why);

  if (c.snapshot) {
    const r = await step('snapshot', c.snapshot);
    if (r.timedOut) return done('hung', 'snapshot did not finish; nothing applied');
    if (r.rc !== 0) return done('failed', `snapshot failed (${failReason(r)}); nothing applied`);
  }
  // Write-ahead: the journal must hold the snapshot before the apply command leaves this process.
  try {
    await ctx.env.opts.journal?.beforeApply({ host: ctx.state.name, task: ctx.task, item: ctx.vars[ctx.task.loopVar], snapshot: phases.snapshot });
  } catch (err) {
    const e = err instanceof StateError ? err : new StateError('state.journalWrite', `cannot journal the snapshot (${(err as Error).message}): nothing applied`, err);
    ctx.env.scope.stateError ??= e.message;
    return done('failed', e.message);
  }

  const a = await step('apply', c.apply);
  if (a.timedOut) return done('hung', 'apply did not finish before its deadline: it may have partly applied');
  if (a.rc !== 0) return done('failed', `apply failed (${failReason(a)})`);
  if (!c.verify) return done('changed', why);
  const v = await step('verify', c.verify);
  if (v.timedOut) return done('hung', 'verify did not finish before its deadline');
  if (v.rc !== 0) return done('failed', `verify failed after apply (${failReason(v)})`);
  return done('changed', why);
}

function firstLine(s: string): string {
  return (s.trim().split('\n')[0] ?? '').slice(0, 300);
}
