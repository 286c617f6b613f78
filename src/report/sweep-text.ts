// The sweep summary for a terminal or a log: coverage with host lists, residue by kind, the diff, errors, the exit code.
import type { ResidueRef, SweepReport } from '../model/sweep.js';
import type { Colors } from './colors.js';
import { compressHosts } from './host-ranges.js';

const MAX_LISTED = 20;

export const STATUS_TEXT: Record<SweepReport['status'], string> = {
  clean: 'clean: every targeted host scanned, no residue',
  'residue-found': 'residue found',
  'residue-fixed': 'residue fixed: every item found was cleaned and verified',
  errors: 'errors: a task failed, a run stopped early, or a fix did not complete',
  'partial-coverage': 'partial coverage: some hosts could not be scanned',
  interrupted: 'interrupted',
  'state-error': 'the state directory or journal could not be written',
};

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** "scanned 1,912 of 2,000; 61 unreachable, 27 hung" */
export function coverageLine(r: SweepReport): string {
  const c = r.coverage;
  const parts = [c.unreachable && `${fmtInt(c.unreachable)} unreachable`, c.hung && `${fmtInt(c.hung)} hung`, c.failed && `${fmtInt(c.failed)} failed`, c.notStarted && `${fmtInt(c.notStarted)} not started`].filter(Boolean);
  return `scanned ${fmtInt(c.scanned)} of ${fmtInt(c.targeted)}${parts.length ? `; ${parts.join(', ')}` : ''}`;
}

export function hostsIn(r: SweepReport, state: string): string[] {
  return Object.entries(r.hosts).filter(([, h]) => h.state === state).map(([n]) => n);
}

export function renderSweepText(r: SweepReport, c: Colors, opts: { reports?: string[] } = {}): string {
  const out: string[] = [];
  const secs = (r.durationMs / 1000).toFixed(1);
  out.push(c.bold(`SWEEP ${r.sweepId} (${r.mode} mode) · ${r.playbooks.length} playbook(s)${r.shard ? ` · shard ${r.shard}` : ''} · ${secs}s`));
  out.push(`  coverage  ${coverageLine(r)}`);
  for (const s of ['unreachable', 'hung', 'failed', 'not-started'] as const) {
    const hs = hostsIn(r, s);
    if (hs.length) out.push(`    ${c.red(s.padEnd(12))} ${clip(compressHosts(hs), 160)}`);
  }
  const t = r.totals;
  const kinds = Object.entries(r.byKind).filter(([, k]) => k.found + k.fixed + k.unfixed > 0)
    .map(([name, k]) => `${clip(name, 60)} ${fmtInt(k.found + k.fixed + k.unfixed)} on ${fmtInt(k.hosts)} host(s)`);
  const total = t.found + t.fixed + t.unfixed;
  out.push(`  residue   ${total === 0 ? c.green('none') : `${fmtInt(total)} item(s) on ${fmtInt(t.hostsWithResidue)} host(s): ${kinds.join(', ')}`}`);
  if (total) out.push(`            ${[t.found && c.cyan(`${fmtInt(t.found)} found`), t.fixed && c.yellow(`${fmtInt(t.fixed)} fixed`), t.unfixed && c.red(`${fmtInt(t.unfixed)} not fixed`)].filter(Boolean).join(', ')}`);
  if (r.diff.previous) {
    out.push(`  diff      vs ${r.diff.previous.sweepId}: ${fmtInt(r.diff.new)} new, ${fmtInt(r.diff.still)} still there, ${fmtInt(r.diff.gone.length)} gone${r.diff.unverified.length ? `, ${fmtInt(r.diff.unverified.length)} not rechecked` : ''}`);
  } else {
    out.push('  diff      no previous sweep of this inventory');
  }
  const fresh = r.residue.filter((x) => x.change === 'new' || !r.diff.previous);
  out.push(...listed('new', fresh, (x) => `${x.host} ${x.kind} ${x.item}${x.detail ? c.dim(`  (${clip(x.detail, 80)})`) : ''}`, c));
  out.push(...listed('gone', r.diff.gone, (g: ResidueRef) => `${g.host} ${g.kind} ${g.item}`, c));
  out.push(...listed('not fixed', r.residue.filter((x) => x.state === 'unfixed'), (x) => `${x.host} ${x.kind} ${x.item}${x.detail ? c.dim(`  (${clip(x.detail, 80)})`) : ''}`, c));
  for (const p of r.playbooks) {
    if (p.aborted) out.push(c.red(`  STOPPED   ${clip(`${p.path}: ${p.aborted}`, 200)}`));
    if (p.limitReached) out.push(c.yellow(`  LIMIT     ${clip(`${p.path}: ${p.limitReached}`, 200)}`));
  }
  if (r.errors.length) {
    const groups = new Map<string, string[]>();
    for (const e of r.errors) {
      const k = `${e.taskName}: ${e.reason.replace(/\s+/g, ' ')}`;
      groups.set(k, [...(groups.get(k) ?? []), e.host]);
    }
    out.push(c.red(`  errors    ${fmtInt(r.errors.length)} failed task(s)`));
    for (const [k, hs] of [...groups].slice(0, 8)) out.push(`    ${c.dim(clip(compressHosts(hs), 50))}  ${clip(k, 140)}`);
  }
  if (r.stateError) out.push(c.red(`  journal   ${clip(r.stateError, 200)}`));
  if (opts.reports?.length) out.push(`  reports   ${opts.reports.join('  ')}`);
  out.push(c.bold(`  exit ${r.exitCode}: ${STATUS_TEXT[r.status]}`));
  return out.join('\n');
}

function listed<T>(label: string, xs: T[], line: (x: T) => string, c: Colors): string[] {
  if (xs.length === 0) return [];
  const shown = xs.slice(0, MAX_LISTED).map((x) => `    ${c.bold(label.padEnd(10))} ${clip(line(x), 160)}`);
  if (xs.length > MAX_LISTED) shown.push(`    … ${fmtInt(xs.length - MAX_LISTED)} more (see the JSON or HTML report)`);
  return shown;
}

function clip(s: string, n: number): string {
  // control characters (escape sequences from a hostile host's output) never reach the terminal
  const one = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return one.length > n ? one.slice(0, n - 1) + '…' : one;
}
