// Shared by the fault-injection fleet tests: a residue playbook whose destructive steps are counted on the
// nodes, CLI wrappers bound to one state dir, and a consistency check of a run's journal.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fleet } from './harness.js';
import { runCli, type CliResult } from '../helpers/cli.js';

/** Where each node keeps the residue files, and the log every apply appends its item to (one line per apply). */
export const RES_DIR = '/var/tmp/fs-res';
export const APPLY_LOG = '/var/tmp/fs-applies.log';

export interface Report {
  runId: string;
  hosts: Record<string, { outcome: string; reason: string | null; tasks: Array<{ name: string; outcome: string; reason: string | null; stdout?: string; stderr?: string; rc?: number | null; truncated?: boolean; items?: Array<{ item: unknown; outcome: string; reason: string | null }> }> }>;
}

export interface JRec {
  seq: number;
  type: 'run-start' | 'run-end' | 'step' | 'task-end' | 'note';
  host?: string;
  play?: number;
  task?: number;
  taskName?: string;
  itemKey?: string;
  phase?: string;
  event?: 'begin' | 'end';
  rc?: number | null;
  timedOut?: boolean;
  outcome?: string;
  reason?: string;
  state?: string;
  item?: unknown;
  undoes?: string;
  meta?: { runId: string; kind: string; parentRunId?: string };
}

/**
 * A destructive playbook over a fixed list of items (`a`, `b`, `c` by default): check (exists), snapshot
 * (content), apply (log the item to APPLY_LOG, then remove it), verify, rollback (write the content back).
 * `apply` replaces the default apply line: it must still log and remove `{{ path }}`.
 * Items are a static list on purpose: a resume re-runs `check` for every item not verified, which is
 * what decides whether a possibly-applied step is done.
 */
export function residuePlaybook(o: { hosts?: string; items?: string[]; apply?: string; rollback?: string; check?: string; preTasks?: string; extraTasks?: string } = {}): string {
  const items = o.items ?? ['a', 'b', 'c'];
  return `
- name: residue
  hosts: ${o.hosts ?? 'nodes'}
  vars:
    res_dir: ${RES_DIR}
  tasks:
${o.preTasks ?? ''}
    - name: remove residue
      loop: ${JSON.stringify(items)}
      vars:
        path: "{{ res_dir }}/{{ item }}.res"
      check: ${JSON.stringify(o.check ?? 'test -e {{ path }} || { echo gone; exit 1; }')}
      snapshot: base64 -w0 {{ path }}
      apply: ${JSON.stringify(o.apply ?? `echo {{ item }} >> ${APPLY_LOG} && rm -f {{ path }}`)}
      verify: test ! -e {{ path }}
      rollback: ${JSON.stringify(o.rollback ?? 'printf %s {{ snapshot.stdout }} | base64 -d > {{ path }}')}
${o.extraTasks ?? ''}`;
}

/** Puts items a, b, c (or the given ones) on every node, and an empty apply log. */
export async function seedResidue(fleet: Fleet, items = ['a', 'b', 'c']): Promise<void> {
  await Promise.all(fleet.nodes.map(async (n) => {
    const r = await fleet.exec(n, `rm -rf ${RES_DIR} /var/tmp/fs-mark-* && mkdir -p ${RES_DIR} && : > ${APPLY_LOG} && for i in ${items.join(' ')}; do echo "residue $i of ${n.name}" > ${RES_DIR}/$i.res; done`);
    assert.equal(r.exitCode, 0, `${n.name}: seed: ${r.output}`);
  }));
}

/** Items applied on a node, in order, one entry per apply that ran there. */
export async function appliesOn(fleet: Fleet, node: string): Promise<string[]> {
  const r = await fleet.exec(fleet.node(node), `cat ${APPLY_LOG} 2>/dev/null || true`);
  return r.stdout.split('\n').filter(Boolean);
}

export async function residueLeft(fleet: Fleet, node: string): Promise<string[]> {
  const r = await fleet.exec(fleet.node(node), `cd ${RES_DIR} 2>/dev/null && ls || true`);
  return r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/\.res$/, ''));
}

/** A CLI bound to one fleet and one state dir; `run` adds --json and reads the report back. */
let files = 0;

export class Cli {
  constructor(readonly fleet: Fleet, readonly stateDir: string, readonly env: Record<string, string> = {}) {}

  async fs(args: string[], opts: { timeoutMs?: number; onSpawn?: (pid: number) => void; env?: Record<string, string> } = {}): Promise<CliResult> {
    return runCli(args, { env: { FLEETSWEEP_STATE_DIR: this.stateDir, ...this.env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 180_000, onSpawn: opts.onSpawn });
  }

  playbook(yaml: string): string {
    const file = join(this.fleet.dir, `fault-play-${++files}.yml`);
    writeFileSync(file, yaml);
    return file;
  }

  async run(yaml: string, extra: string[] = [], opts: { onSpawn?: (pid: number) => void; env?: Record<string, string>; inventory?: string; timeoutMs?: number } = {}): Promise<CliResult & { report?: Report }> {
    const file = this.playbook(yaml);
    const json = join(this.fleet.dir, `fault-report-${files}.json`);
    const r = await this.fs(['run', file, '-i', opts.inventory ?? this.fleet.inventoryPath, '--json', json, ...extra], opts);
    return { ...r, ...(existsSync(json) ? { report: JSON.parse(readFileSync(json, 'utf8')) as Report } : {}) };
  }

  async runs(): Promise<Array<{ id: string; state: string; kind: string; parentRunId?: string }>> {
    const r = await this.fs(['runs', '--json', '--last', '1000']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Array<{ id: string; state: string; kind: string; parentRunId?: string }>;
  }

  async lastRun(kind?: string): Promise<{ id: string; state: string; kind: string }> {
    const all = await this.runs();
    const r = all.find((x) => kind === undefined || x.kind === kind);
    assert.ok(r, `no ${kind ?? ''} run in ${this.stateDir}`);
    return r;
  }

  /** `runs show RUN --json`: per host, per task, each step's status. */
  async show(id: string): Promise<ShowView> {
    const r = await this.fs(['runs', 'show', id, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout) as ShowView;
  }

  records(id: string): JRec[] {
    return journal(this.stateDir, id);
  }

  /** Every record of every journal in the state dir (for polling while a run is going). */
  allRecords(): JRec[] {
    const runs = join(this.stateDir, 'runs');
    if (!existsSync(runs)) return [];
    return readdirSync(runs).flatMap((id) => {
      try { return journal(this.stateDir, id); } catch { return []; }
    });
  }
}

export interface ShowView {
  summary: { id: string; state: string; kind: string };
  torn: boolean;
  hosts: Array<{ host: string; tasks: Array<{ taskName: string; outcome?: string; reason?: string; steps: Array<{ status: string; itemKey: string; rollback: string }> }> }>;
}

/** Step statuses of one host in a `runs show` view, by item key (`"a"`). */
export function statuses(v: ShowView, host: string): Record<string, string> {
  const h = v.hosts.find((x) => x.host === host);
  return Object.fromEntries((h?.tasks ?? []).flatMap((t) => t.steps.map((s) => [JSON.parse(s.itemKey || '""') as string, s.status])));
}

/** The journal's records; a torn last line (a killed writer) is dropped. */
export function journal(stateDir: string, id: string): JRec[] {
  const text = readFileSync(join(stateDir, 'runs', id, 'journal.jsonl'), 'utf8');
  const out: JRec[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try { out.push(JSON.parse(line) as JRec); } catch { /* torn tail */ }
  }
  return out;
}

const key = (r: JRec) => JSON.stringify([r.host, r.play, r.task, r.itemKey]);

/**
 * What every journal must satisfy, whatever happened to the run: it starts with run-start, seq counts 1, 2, 3...,
 * each step's phases come in contract order (check, snapshot, apply, verify) with an end only after its begin,
 * an apply begins only after a successful snapshot of the same step (write-ahead), and no step is applied twice
 * in one run. `ended` requires a run-end record (the controller was not killed).
 */
export function assertConsistent(recs: JRec[], opts: { ended?: boolean } = {}): void {
  assert.equal(recs[0]?.type, 'run-start', 'a journal starts with run-start');
  recs.forEach((r, i) => assert.equal(r.seq, i + 1, `seq is dense and in order at record ${i + 1}`));
  const ends = recs.filter((r) => r.type === 'run-end');
  assert.ok(ends.length <= 1, 'at most one run-end');
  if (ends.length) assert.equal(recs[recs.length - 1]!.type, 'run-end', 'run-end is the last record');
  if (opts.ended) assert.equal(ends.length, 1, 'the run was closed (run-end written)');
  const order = ['check', 'snapshot', 'apply', 'verify'];
  const reached = new Map<string, number>();
  const open = new Map<string, string>();
  const applied = new Set<string>();
  const snapOk = new Set<string>();
  for (const r of recs) {
    if (r.type !== 'step' || r.phase === 'rollback') continue;
    const k = key(r);
    const idx = order.indexOf(r.phase!);
    if (r.event === 'begin') {
      assert.ok(idx >= (reached.get(k) ?? -1), `${k}: ${r.phase} begins after a later phase`);
      reached.set(k, idx);
      open.set(k, r.phase!);
      if (r.phase === 'apply') {
        assert.ok(!applied.has(k), `${k}: applied twice in one run`);
        assert.ok(snapOk.has(k), `${k}: apply began without a successful snapshot before it`);
        applied.add(k);
      }
    } else {
      if (r.phase === 'apply' || r.phase === 'snapshot' || r.phase === 'verify' || r.phase === 'check') {
        // read-only phases' begin records are buffered and may be written in the same batch: only order matters
        assert.ok(reached.get(k) === idx, `${k}: ${r.phase} ended without its begin`);
      }
      if (r.phase === 'snapshot' && r.rc === 0 && !r.timedOut) snapOk.add(k);
      open.delete(k);
    }
  }
}

/** Apply-begin records (host, item) of some records. */
export function applyBegins(recs: JRec[], host?: string): string[] {
  return recs.filter((r) => r.type === 'step' && r.phase === 'apply' && r.event === 'begin' && (host === undefined || r.host === host)).map((r) => `${r.host}:${String(r.item)}`);
}

export async function waitFor(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Exit code of a docker exec'd test: true when the file exists on the node (false when the node is down). */
export async function existsOn(fleet: Fleet, node: string, path: string): Promise<boolean> {
  try {
    return (await fleet.exec(fleet.node(node), `test -e ${path}`)).exitCode === 0;
  } catch {
    return false;
  }
}
