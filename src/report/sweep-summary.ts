// Folds the runs of one sweep into residue per host and kind, coverage, errors, a status and the diff.
import type { ItemResult, HostSummary, TaskResult } from '../model/outcome.js';
import type {
  CoverageState, HostCoverage, KindTotals, Residue, ResidueAction, ResidueRef, ResidueState, SweepDiff, SweepError, SweepMode,
  SweepPlaybook, SweepReport, SweepStatus,
} from '../model/sweep.js';
import type { RunResult } from '../runner/types.js';
import { taskKey } from './residue-kind.js';

export interface SweepRunInput {
  path: string;
  /** contract tasks: `play/task` → residue kind */
  kinds: Map<string, string>;
  /** undefined when the playbook did not run (the sweep was interrupted before it) */
  result?: RunResult;
  exitCode?: number;
}

export interface SweepInput {
  sweepId: string;
  mode: SweepMode;
  inventory: string[];
  inventoryKey: string;
  shard: string | null;
  limit: string | null;
  startedAt: string;
  endedAt: string;
  /** the sweep's hosts in inventory order (orders the report) */
  hostOrder: string[];
  runs: SweepRunInput[];
  interrupted: boolean;
  stateError?: string;
  /** the previous sweep of the same inventory key, for the diff */
  previous?: Pick<SweepReport, 'sweepId' | 'startedAt' | 'residue'> | null;
  /** the journaled snapshot and rollback of an applied item */
  action?: (run: number, t: TaskResult, item: ItemResult | undefined) => ResidueAction | undefined;
  exitCodeFor: (status: SweepStatus) => number;
}

/** Worst first: a host's coverage across the sweep's runs is the worst any run saw. */
const COVERAGE_ORDER: CoverageState[] = ['unreachable', 'hung', 'failed', 'not-started', 'scanned'];
const STATE_RANK: Record<ResidueState, number> = { unfixed: 2, found: 1, fixed: 0 };
/** reasons the runner gives when check said "change needed" but the fix did not (complete) */
const FIX_REASON = /^(snapshot|apply|verify) |max_changes|^not applied/;

export function buildSweepReport(input: SweepInput): SweepReport {
  const hosts = new Map<string, HostCoverage>();
  const residue = new Map<string, Residue>();
  const errors: SweepError[] = [];
  const playbooks: SweepPlaybook[] = [];

  input.runs.forEach((run, i) => {
    const r = run.result;
    const kinds = [...new Set(run.kinds.values())].sort();
    playbooks.push({
      path: run.path, kinds, hosts: r?.hosts.length ?? 0,
      ...(r ? { runId: r.runId } : {}), ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
      ...(r?.aborted ? { aborted: r.aborted } : {}), ...(r?.limitReached ? { limitReached: r.limitReached } : {}),
      ...(r?.interrupted ? { interrupted: true } : {}),
    });
    if (!r) return;
    const withResults = new Set(r.results.map((t) => t.host));
    for (const h of r.hosts) {
      const [state, reason] = coverageOf(h, withResults.has(h.host), r);
      const cur = hosts.get(h.host);
      if (!cur) {
        hosts.set(h.host, { state, ...(reason ? { reason } : {}), playbooks: [i], residue: 0 });
        continue;
      }
      cur.playbooks.push(i);
      if (COVERAGE_ORDER.indexOf(state) < COVERAGE_ORDER.indexOf(cur.state)) {
        cur.state = state;
        if (reason) cur.reason = reason; else delete cur.reason;
      }
    }
    for (const t of r.results) {
      const kind = run.kinds.get(taskKey(t.play, t.task));
      if (kind) for (const res of residueOf(input, i, t, kind, r.runId)) {
        const key = refKey(res);
        const seen = residue.get(key);
        if (!seen || STATE_RANK[res.state] > STATE_RANK[seen.state]) residue.set(key, res);
      }
      if (t.outcome === 'failed' && !t.ignored) errors.push({ host: t.host, playbook: i, taskName: t.name, reason: t.reason ?? 'failed' });
    }
  });

  const ordered = orderHosts(hosts, input.hostOrder);
  const list = [...residue.values()].sort((a, b) => (ordered.index.get(a.host) ?? 0) - (ordered.index.get(b.host) ?? 0) || cmp(a.kind, b.kind) || cmp(a.item, b.item));
  for (const res of list) {
    const h = hosts.get(res.host);
    if (h) h.residue++;
  }
  const diff = diffResidue(list, input.previous ?? null, hosts, playbooks);

  const count = (s: CoverageState) => [...hosts.values()].filter((h) => h.state === s).length;
  const coverage = { targeted: hosts.size, scanned: count('scanned'), unreachable: count('unreachable'), hung: count('hung'), failed: count('failed'), notStarted: count('not-started') };
  const totals = {
    found: list.filter((r) => r.state === 'found').length, fixed: list.filter((r) => r.state === 'fixed').length,
    unfixed: list.filter((r) => r.state === 'unfixed').length, hostsWithResidue: new Set(list.map((r) => r.host)).size,
    new: diff.new, still: diff.still, gone: diff.gone.length,
  };
  const byKind = kindTotals(list, playbooks, diff);
  const status = sweepStatus({ interrupted: input.interrupted, stateError: input.stateError, errors: errors.length, aborted: playbooks.some((p) => p.aborted), totals, coverage });
  return {
    version: 1, sweepId: input.sweepId, mode: input.mode, inventory: input.inventory, inventoryKey: input.inventoryKey, shard: input.shard, limit: input.limit,
    startedAt: input.startedAt, endedAt: input.endedAt, durationMs: Math.max(0, Date.parse(input.endedAt) - Date.parse(input.startedAt)),
    status, exitCode: input.exitCodeFor(status), interrupted: input.interrupted, ...(input.stateError ? { stateError: input.stateError } : {}),
    playbooks, coverage, hosts: Object.fromEntries(ordered.names.map((n) => [n, hosts.get(n)!])), totals, byKind, residue: list, errors, diff,
  };
}

/**
 * The status, most urgent first: interrupted, state error, errors (a task failed, a run stopped early, a fix
 * did not complete), residue found, partial coverage, residue fixed, clean. Partial coverage ranks below
 * residue found on purpose: in a large fleet some host is nearly always down, and that must not hide residue.
 */
export function sweepStatus(s: {
  interrupted: boolean; stateError?: string; errors: number; aborted: boolean;
  totals: { found: number; fixed: number; unfixed: number }; coverage: { targeted: number; scanned: number };
}): SweepStatus {
  if (s.interrupted) return 'interrupted';
  if (s.stateError) return 'state-error';
  if (s.errors > 0 || s.aborted || s.totals.unfixed > 0) return 'errors';
  if (s.totals.found > 0) return 'residue-found';
  if (s.coverage.scanned < s.coverage.targeted) return 'partial-coverage';
  if (s.totals.fixed > 0) return 'residue-fixed';
  return 'clean';
}

function coverageOf(h: HostSummary, hasResults: boolean, r: RunResult): [CoverageState, string | undefined] {
  switch (h.outcome) {
    case 'unreachable': return ['unreachable', h.reason];
    case 'hung': return ['hung', h.reason];
    case 'failed': return ['failed', h.reason];
    case 'ok': case 'changed': case 'would-change': case 'skipped':
      if (!hasResults && (r.aborted || r.interrupted)) return ['not-started', h.reason ?? (r.aborted ? `not started: ${r.aborted}` : 'not started: the sweep was interrupted')];
      return ['scanned', undefined];
  }
}

function residueOf(input: SweepInput, run: number, t: TaskResult, kind: string, runId: string): Residue[] {
  const looped = t.items !== undefined;
  const items: (ItemResult | undefined)[] = t.items ?? [undefined];
  const out: Residue[] = [];
  for (const it of items) {
    const outcome = it ? it.outcome : t.outcome;
    const reason = it ? it.reason : t.reason;
    let state: ResidueState | undefined;
    switch (outcome) {
      case 'would-change': state = 'found'; break;
      case 'changed': state = 'fixed'; break;
      case 'failed': case 'hung': case 'skipped': {
        const said = it?.phases.check ? it.phases.check.rc === 0 && !it.phases.check.timedOut : FIX_REASON.test(reason ?? '');
        if (input.mode === 'fix' && said) state = 'unfixed';
        break;
      }
      case 'ok': case 'unreachable': break;
    }
    if (!state) continue;
    const action = state === 'found' ? undefined : input.action?.(run, t, it);
    out.push({
      host: t.host, kind, id: looped ? stableJson(it!.item) : t.name, item: looped ? itemText(it!.item) : t.name, state,
      ...(reason ? { detail: reason } : {}), playbook: run, play: t.play, task: t.task, taskName: t.name, runId,
      ...(action ? { action } : {}),
    });
  }
  return out;
}

function diffResidue(list: Residue[], prev: SweepInput['previous'], hosts: Map<string, HostCoverage>, playbooks: SweepPlaybook[]): SweepDiff {
  if (!prev) {
    // the first sweep of an inventory: everything it finds is new
    for (const r of list) r.change = 'new';
    return { previous: null, new: list.length, still: 0, gone: [], unverified: [] };
  }
  const before = new Map(prev.residue.map((r) => [refKey(r), r]));
  const now = new Set<string>();
  let fresh = 0;
  let still = 0;
  for (const r of list) {
    const k = refKey(r);
    now.add(k);
    if (before.has(k)) { r.change = 'still'; still++; } else { r.change = 'new'; fresh++; }
  }
  const gone: ResidueRef[] = [];
  const unverified: ResidueRef[] = [];
  for (const [k, r] of before) {
    if (now.has(k)) continue;
    const ref = { host: r.host, kind: r.kind, id: r.id, item: r.item };
    const h = hosts.get(r.host);
    const looked = h?.state === 'scanned' && h.playbooks.some((i) => playbooks[i]?.kinds.includes(r.kind));
    (looked ? gone : unverified).push(ref);
  }
  return { previous: { sweepId: prev.sweepId, startedAt: prev.startedAt }, new: fresh, still, gone, unverified };
}

function kindTotals(list: Residue[], playbooks: SweepPlaybook[], diff: SweepDiff): Record<string, KindTotals> {
  const out = new Map<string, KindTotals & { hostSet: Set<string> }>();
  const get = (k: string) => {
    let v = out.get(k);
    if (!v) out.set(k, (v = { found: 0, fixed: 0, unfixed: 0, hosts: 0, new: 0, gone: 0, hostSet: new Set() }));
    return v;
  };
  for (const p of playbooks) for (const k of p.kinds) get(k);
  for (const r of list) {
    const v = get(r.kind);
    v[r.state]++;
    v.hostSet.add(r.host);
    if (r.change === 'new') v.new++;
  }
  for (const g of diff.gone) get(g.kind).gone++;
  return Object.fromEntries([...out.entries()].sort((a, b) => cmp(a[0], b[0])).map(([k, { hostSet, ...v }]) => [k, { ...v, hosts: hostSet.size }]));
}

function orderHosts(hosts: Map<string, HostCoverage>, order: string[]): { names: string[]; index: Map<string, number> } {
  const index = new Map<string, number>();
  for (const h of order) if (hosts.has(h) && !index.has(h)) index.set(h, index.size);
  for (const h of hosts.keys()) if (!index.has(h)) index.set(h, index.size);
  return { names: [...index.keys()], index };
}

export function refKey(r: { host: string; kind: string; id: string }): string {
  return JSON.stringify([r.host, r.kind, r.id]);
}

/** A loop item for people: a string as is, anything else as compact sorted-key JSON. */
export function itemText(item: unknown): string {
  return typeof item === 'string' ? item : stableJson(item);
}

/** JSON with object keys sorted, so the same item always has the same identity. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
