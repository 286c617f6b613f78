// What a sweep's fix did, from the run's journal: the snapshot taken before each apply and the rendered rollback.
import type { ItemResult, TaskResult } from '../model/outcome.js';
import type { ResidueAction } from '../model/sweep.js';
import { foldAttempts, itemKey, journalPath, readJournal, stepKey, type Attempt } from '../journal/index.js';

/** Snapshots in reports are cut here; `fleetsweep runs show` and the journal keep them whole. */
export const REPORT_SNAPSHOT_CAP = 4096;

/** A lookup over the journals of the sweep's runs, each read once and only when a fixed item asks for it. */
export function journalActions(stateDir: string, runIds: (string | undefined)[], stateDirFlag?: string): (run: number, t: TaskResult, item: ItemResult | undefined) => ResidueAction | undefined {
  const cache = new Map<number, Map<string, Attempt>>();
  const attempts = (run: number): Map<string, Attempt> => {
    let m = cache.get(run);
    if (m) return m;
    m = new Map();
    cache.set(run, m);
    const id = runIds[run];
    if (!id) return m;
    try {
      for (const a of foldAttempts(readJournal(journalPath(stateDir, id)).records)) if (a.phases.apply?.begin) m.set(a.key, a);
    } catch {
      // an unreadable journal only costs the report its snapshots; the run's own exit code said what happened
    }
    return m;
  };
  return (run, t, item) => {
    const a = attempts(run).get(stepKey(t.host, t.play, t.task, item ? itemKey(item.item) : ''));
    const begin = a?.phases.apply?.begin;
    if (!a || !begin) return undefined;
    const snap = begin.snapshot?.stdout;
    const cmd = ['fleetsweep', 'rollback', a.runId, '--host', t.host, '--task', t.name, ...(stateDirFlag ? ['--state-dir', stateDirFlag] : [])];
    return {
      ...(snap !== undefined ? { snapshot: snap.slice(0, REPORT_SNAPSHOT_CAP), ...(snap.length > REPORT_SNAPSHOT_CAP || begin.snapshot?.truncated ? { snapshotTruncated: true } : {}) } : {}),
      rollback: begin.rollback ?? null,
      rollbackCommand: cmd.map(shq).join(' '),
    };
  };
}

/** POSIX sh single-quoting for a command people copy from a report. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
