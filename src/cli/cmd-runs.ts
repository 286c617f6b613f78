// `fleetsweep runs` and `fleetsweep runs show ID`: what ran, when, what changed where, with the snapshots.
import type { Command } from 'commander';
import { listRuns, resolveRunId, resolveStateDir, showRun, type RunView } from '../journal/index.js';
import { colorsFor } from '../report/colors.js';

interface Flags { stateDir?: string; json?: boolean; last?: number; host?: string }

export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description('list journaled runs (newest first)')
    .option('--state-dir <dir>', 'state directory (env FLEETSWEEP_STATE_DIR)')
    .option('-n, --last <n>', 'show only the N newest runs', (v) => Number(v), 20)
    .option('--json', 'print JSON')
    .action((flags: Flags) => {
      const all = listRuns(resolveStateDir(flags.stateDir));
      const shown = all.slice(0, flags.last);
      if (flags.json) return void process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
      const rows = shown.map((r) => [r.id, r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), r.kind + (r.check ? ' (check)' : ''), r.state, String(r.hosts), String(r.changed), String(r.failed), r.playbook]);
      table(['RUN', 'STARTED', 'KIND', 'STATE', 'HOSTS', 'CHANGED', 'FAILED', 'PLAYBOOK'], rows);
      if (all.length > shown.length) process.stdout.write(`(${all.length - shown.length} older runs: --last ${all.length})\n`);
    });
  runs
    .command('show')
    .description('show what a run did on each host: checks, snapshots, applies, verifies, rollbacks')
    .argument('<run>', 'run id (a unique prefix is enough)')
    .option('--state-dir <dir>', 'state directory (env FLEETSWEEP_STATE_DIR)')
    .option('--host <name>', 'only this host')
    .option('--json', 'print JSON')
    .action((id: string, flags: Flags) => {
      // commander hands options the parent also defines (--json, --state-dir) to the parent
      const parent = runs.opts<Flags>();
      const dir = resolveStateDir(flags.stateDir ?? parent.stateDir);
      const view = showRun(dir, resolveRunId(dir, id), { host: flags.host });
      process.stdout.write(flags.json || parent.json ? JSON.stringify(view, null, 2) + '\n' : renderRun(view));
    });
}

function renderRun(v: RunView): string {
  const c = colorsFor(process.stdout);
  const s = v.summary;
  const out = [
    c.bold(`run ${s.id}`) + `  ${s.kind}${s.check ? ' (check mode)' : ''}  ${s.state}${v.torn ? ' (journal ends mid-record: the controller died)' : ''}`,
    `  playbook ${s.playbook}  by ${s.user}@${s.hostname}  ${s.startedAt} → ${s.endedAt ?? '…'}`,
    `  hosts ${s.hosts}  changed ${s.changed}  failed ${s.failed}${v.rollbackRuns.length ? `  rolled back by ${v.rollbackRuns.join(', ')}` : ''}`,
  ];
  for (const h of v.hosts) {
    out.push(c.bold(h.host));
    for (const t of h.tasks) {
      out.push(`  ${t.taskName}: ${t.outcome ?? 'did not finish'}${t.reason ? ` (${t.reason})` : ''}`);
      for (const a of t.steps) {
        const begin = a.phases.apply?.begin;
        const item = begin && 'item' in begin ? ` ${JSON.stringify(begin.item)}` : a.itemKey ? ` ${a.itemKey}` : '';
        out.push(`    - ${a.status}${item}`);
        const snap = begin?.snapshot?.stdout.trimEnd();
        if (snap) out.push(...snap.split('\n').slice(0, 6).map((l) => `        snapshot| ${l}`));
        if (begin) out.push(`        rollback: ${begin.rollback ? firstLine(begin.rollback) : c.yellow('none declared')}`);
      }
    }
  }
  return out.join('\n') + '\n';
}

/** A multi-line script shows as its first line and a count; `--json` has it whole. */
function firstLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} … (+${lines.length - 1} lines, see --json)` : lines[0]!;
}

export function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
}
