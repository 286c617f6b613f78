// The recap printed at the end of a run: hosts grouped by outcome, failures grouped by reason. Fits a screen at 1,000+ hosts.
import type { Outcome, TaskResult } from '../model/outcome.js';
import type { RunResult } from '../runner/types.js';
import { compressHosts } from './host-ranges.js';
import type { Colors } from './colors.js';

const ORDER: Outcome[] = ['ok', 'changed', 'would-change', 'skipped', 'failed', 'hung', 'unreachable'];
const MAX_REASON_GROUPS = 8;

export function renderRecap(r: RunResult, c: Colors, opts: { playbook: string; check: boolean }): string {
  const secs = ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1);
  const out: string[] = [];
  out.push(c.bold(`RECAP ${opts.check ? '(check mode) ' : ''}run ${r.runId} · ${opts.playbook} · ${r.hosts.length} host(s) · ${secs}s`));
  for (const o of ORDER) {
    const hosts = r.hosts.filter((h) => h.outcome === o).map((h) => h.host);
    if (hosts.length === 0) continue;
    out.push(`  ${paint(c, o, o.padEnd(13))}${String(hosts.length).padStart(6)}  ${clip(compressHosts(hosts), 120)}`);
    if (o === 'failed' || o === 'hung' || o === 'unreachable') out.push(...reasons(r, o, c));
  }
  const changes = changeLines(r.results, c);
  if (changes.length) out.push(c.bold('CHANGES'), ...changes);
  if (r.aborted) out.push(c.red(`STOPPED: ${r.aborted}`));
  if (r.limitReached) out.push(c.yellow(`LIMIT: ${r.limitReached}`));
  if (r.stateError) out.push(c.red(`JOURNAL: ${r.stateError}; no further changes were applied`));
  if (r.interrupted) out.push(c.yellow('INTERRUPTED: no new work was started after the signal; running commands were drained'));
  return out.join('\n');
}

/** Failed/hung/unreachable hosts grouped by (task, reason): 1,000 hosts with the same error are one line. */
function reasons(r: RunResult, o: Outcome, c: Colors): string[] {
  const groups = new Map<string, string[]>();
  for (const h of r.hosts) {
    if (h.outcome !== o) continue;
    const key = normalize(h.reason ?? o);
    const list = groups.get(key) ?? [];
    list.push(h.host);
    groups.set(key, list);
  }
  const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const lines = sorted.slice(0, MAX_REASON_GROUPS).map(([reason, hosts]) => `      ${c.dim(clip(compressHosts(hosts), 60))}  ${clip(reason, 140)}`);
  if (sorted.length > MAX_REASON_GROUPS) lines.push(`      … ${sorted.length - MAX_REASON_GROUPS} more distinct reasons (see --json)`);
  return lines;
}

/** Per task: which hosts changed or would change, and how many items. */
function changeLines(results: TaskResult[], c: Colors): string[] {
  const by = new Map<string, { outcome: Outcome; hosts: string[]; items: number }>();
  for (const t of results) {
    if (t.outcome !== 'changed' && t.outcome !== 'would-change') continue;
    const key = `${t.outcome}\0${t.play}\0${t.task}\0${t.name}`;
    const e = by.get(key) ?? { outcome: t.outcome, hosts: [], items: 0 };
    e.hosts.push(t.host);
    e.items += t.items ? t.items.filter((i) => i.outcome === t.outcome).length : 1;
    by.set(key, e);
  }
  return [...by.entries()].map(([key, e]) => {
    const name = key.split('\0')[3]!;
    return `  ${paint(c, e.outcome, e.outcome.padEnd(13))} ${clip(name, 50).padEnd(50)} ${clip(compressHosts(e.hosts), 60)}  (${e.items} item${e.items === 1 ? '' : 's'})`;
  });
}

/** Collapse whitespace so identical failures from different hosts group together. */
function normalize(reason: string): string {
  return reason.replace(/\s+/g, ' ').trim();
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

export function paint(c: Colors, o: Outcome, text: string): string {
  switch (o) {
    case 'ok': return c.green(text);
    case 'changed': return c.yellow(text);
    case 'would-change': return c.cyan(text);
    case 'skipped': return c.dim(text);
    case 'failed': return c.red(text);
    case 'hung': return c.magenta(text);
    case 'unreachable': return c.red(c.bold(text));
  }
}
