// Shared fixtures for journal tests: temp state dirs, run metadata, command results, a runner-like driver.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult } from '../../../src/model/outcome.js';
import type { RunMeta, StepRef } from '../../../src/journal/types.js';
import type { JournalWriter } from '../../../src/journal/writer.js';
import { nodeJournalFs, type JournalFs } from '../../../src/journal/fs-layer.js';

export function tempDir(prefix = 'fleetsweep-journal-'): { dir: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function meta(runId: string, over: Partial<RunMeta> = {}): RunMeta {
  return {
    runId, kind: 'run', playbook: { path: 'playbooks/clean.yml', sha256: 'ab'.repeat(32) }, inventories: ['inventory/hosts.yml'],
    argv: ['fleetsweep', 'run', 'playbooks/clean.yml'], user: 'tester', hostname: hostname(), pid: process.pid, check: false, ...over,
  };
}

export function result(rc: number | null, stdout = '', over: Partial<CommandResult> = {}): CommandResult {
  return { rc, stdout, stderr: '', durationMs: 5, timedOut: false, truncated: false, ...over };
}

/** A pid that certainly existed and has exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

export interface StepScript {
  /** check rc; undefined = no check declared */
  check?: number;
  snapshot?: string;
  /** 'crash' = apply begin journaled, then the process died; 'hang' = killed at its deadline */
  apply?: number | 'crash' | 'hang';
  /** verify rc; undefined = no verify declared; 'crash' = died during verify */
  verify?: number | 'crash';
  /** rollback command text; null = none declared */
  rollback?: string | null;
}

/** Journals one contract step the way the runner does: check, snapshot, write-ahead apply, verify. */
export async function step(w: JournalWriter, ref: StepRef, s: StepScript): Promise<void> {
  if (s.check !== undefined) {
    w.begin(ref, 'check', 'test -e /dev/mapper/x');
    w.end(ref, 'check', result(s.check, s.check === 1 ? 'nothing to do' : 'needs change'), 'test -e /dev/mapper/x');
    if (s.check !== 0 || w.meta.check) return;
  }
  let snap: CommandResult | undefined;
  if (s.snapshot !== undefined) {
    w.begin(ref, 'snapshot', 'multipath -ll x');
    snap = result(0, s.snapshot);
    w.end(ref, 'snapshot', snap, 'multipath -ll x');
  }
  if (s.apply === undefined) return;
  await w.beforeApply({ ...ref, command: 'multipath -f x', snapshot: snap, verify: s.verify !== undefined, ...(s.rollback === null || s.rollback === undefined ? {} : { rollback: s.rollback }) });
  if (s.apply === 'crash') return;
  w.end(ref, 'apply', s.apply === 'hang' ? result(null, '', { timedOut: true }) : result(s.apply), 'multipath -f x');
  if (s.apply !== 0 || s.verify === undefined) return;
  w.begin(ref, 'verify', '! test -e /dev/mapper/x');
  if (s.verify === 'crash') return;
  w.end(ref, 'verify', result(s.verify), '! test -e /dev/mapper/x');
}

export function ref(host: string, task: number, item?: unknown, taskName = `task ${task}`): StepRef {
  return { host, play: 0, task, taskName, ...(item === undefined ? {} : { item }) };
}

/** Every regular file under `dir`, recursively. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

export function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

export function readLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

export interface FsSpy {
  fs: JournalFs;
  /** one entry per fsync of the journal file: the file's text at that moment */
  syncs: string[];
  /** every append's text */
  appends: string[];
}

/** The real fs, with the journal file's appends and fsyncs recorded (and failures injectable). */
export function spyFs(fail: { append?: string; sync?: string; create?: string; after?: number } = {}): FsSpy {
  const spy: FsSpy = { fs: nodeJournalFs, syncs: [], appends: [] };
  let appends = 0;
  const err = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  spy.fs = {
    ...nodeJournalFs,
    async createAppend(path) {
      if (fail.create) throw err(fail.create);
      const f = await nodeJournalFs.createAppend(path);
      return {
        async append(data) {
          if (fail.append && ++appends > (fail.after ?? 0)) throw err(fail.append);
          spy.appends.push(Buffer.from(data).toString('utf8'));
          await f.append(data);
        },
        async sync() {
          if (fail.sync && spy.syncs.length >= (fail.after ?? 0)) throw err(fail.sync);
          spy.syncs.push(readFileSync(path, 'utf8'));
          await f.sync();
        },
        close: () => f.close(),
      };
    },
  };
  return spy;
}
