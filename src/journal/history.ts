// Sweep history without a server: append-only JSON lines, one file per UTC day, only residue rows and sweep records.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SweepReport } from '../model/sweep.js';
import type { HistoryRow, HistorySweep } from '../model/history.js';
import { StateError } from '../errors/state-error.js';
import { DIR_MODE, FILE_MODE } from './fs-layer.js';

export type { HistoryRow, HistorySweep } from '../model/history.js';

export const HISTORY_DIR = 'history';
export const HISTORY_VERSION = 1;

export function historyDir(stateDir: string): string {
  return join(stateDir, HISTORY_DIR);
}

type RowData = Pick<HistoryRow, 'h' | 'k' | 'i' | 'st'>;

export function historyRecords(r: SweepReport): [HistorySweep, RowData[]] {
  const rows: RowData[] = r.residue.map((x) => ({ h: x.host, k: x.kind, i: x.item, st: x.state }));
  const sweep: HistorySweep = {
    t: 's', v: HISTORY_VERSION, id: r.sweepId, at: r.startedAt, end: r.endedAt, inv: r.inventoryKey.replace(/\.s\d+of\d+$/, ''), shard: r.shard,
    mode: r.mode, status: r.status, exit: r.exitCode, targeted: r.coverage.targeted, scanned: r.coverage.scanned,
    un: Object.entries(r.hosts).filter(([, h]) => h.state !== 'scanned').map(([n, h]) => [n, h.state]),
    kinds: [...new Set([...r.playbooks.flatMap((p) => p.kinds), ...rows.map((x) => x.k)])].sort(),
    found: r.totals.found, fixed: r.totals.fixed, unfixed: r.totals.unfixed,
  };
  return [sweep, rows];
}

/** The sweep line, then `[host, kind index, item, state]` per row. */
export function encodeHistory(sweep: HistorySweep, rows: RowData[]): string {
  const kinds = [...new Set([...sweep.kinds, ...rows.map((x) => x.k)])];
  const s = { ...sweep, kinds };
  const idx = new Map(kinds.map((k, i) => [k, i]));
  return [JSON.stringify(s), ...rows.map((x) => JSON.stringify([x.h, idx.get(x.k), x.i, x.st]))].join('\n') + '\n';
}

export function dayFile(dir: string, iso: string): string {
  return join(dir, `${iso.slice(0, 10)}.jsonl`);
}

/**
 * Appends the sweep with one write(2) on an O_APPEND file and fsyncs it: shards sweeping at the same time
 * into one state directory never interleave their lines, and a crash loses at most a torn tail, which
 * readers skip (and the next append starts on a fresh line, so it is never glued to it).
 */
export function appendHistory(stateDir: string, r: SweepReport): string {
  const dir = historyDir(stateDir);
  const [sweep, rows] = historyRecords(r);
  const file = dayFile(dir, sweep.at);
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    const fd = openSync(file, 'a+', FILE_MODE);
    try {
      const torn = endsTorn(fd);
      const buf = Buffer.from((torn ? '\n' : '') + encodeHistory(sweep, rows));
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new StateError('state.historyWrite', `cannot append to ${file}: ${(err as Error).message}`, err);
  }
  return file;
}

function endsTorn(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return false;
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, size - 1);
  return b[0] !== 0x0a;
}

export interface HistoryQuery {
  /** sweeps started at or after */
  since?: Date;
  until?: Date;
  /** the last N sweeps of each inventory/shard (those that swept most recently); wins over since */
  last?: number;
  host?: string;
  kind?: string;
  /** inventory key (base): only sweeps of that inventory */
  inv?: string;
}

export interface HistorySelection {
  /** selected sweeps, oldest first */
  sweeps: HistorySweep[];
  /** residue rows of the selected sweeps matching host and kind */
  rows: HistoryRow[];
  /** day files read */
  filesRead: number;
}

/** Reads the day files the query needs (newest first for --last) and joins rows to their sweeps. */
export function queryHistory(stateDir: string, q: HistoryQuery): HistorySelection {
  const dir = historyDir(stateDir);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sweeps: [], rows: [], filesRead: 0 };
    throw new StateError('state.historyRead', `cannot list ${dir}: ${(err as Error).message}`, err);
  }
  const useSince = q.last === undefined && q.since !== undefined;
  const sinceDay = useSince ? q.since!.toISOString().slice(0, 10) : undefined;
  const untilDay = q.until?.toISOString().slice(0, 10);
  files = files.filter((f) => (!sinceDay || f.slice(0, 10) >= sinceDay) && (!untilDay || f.slice(0, 10) <= untilDay));
  const wanted = (s: HistorySweep) =>
    (q.inv === undefined || s.inv === q.inv) && (!useSince || Date.parse(s.at) >= q.since!.getTime()) && (!q.until || Date.parse(s.at) <= q.until.getTime());

  const sweeps = new Map<string, HistorySweep>();
  const rows: HistoryRow[] = [];
  if (q.last === undefined) {
    for (const f of files) scanDay(readDay(join(dir, f)), q, wanted, (s) => sweeps.set(s.id, s), (r) => rows.push(r));
    return { sweeps: [...sweeps.values()].sort(byTime), rows, filesRead: files.length };
  }

  // --last: newest file first, until every series seen in the newest file with a sweep has N sweeps
  const perKey = new Map<string, number>();
  let keys: Set<string> | undefined;
  let read = 0;
  for (const f of [...files].reverse()) {
    if (keys && [...keys].every((k) => (perKey.get(k) ?? 0) >= q.last!)) break;
    read++;
    const fileSweeps: HistorySweep[] = [];
    scanDay(readDay(join(dir, f)), q, wanted, (s) => fileSweeps.push(s), (r) => rows.push(r));
    fileSweeps.sort((a, b) => byTime(b, a));
    if (!keys && fileSweeps.length) keys = new Set(fileSweeps.map(sweepGroup));
    for (const s of fileSweeps) {
      const k = sweepGroup(s);
      const n = perKey.get(k) ?? 0;
      if (!keys?.has(k) || n >= q.last) continue;
      perKey.set(k, n + 1);
      sweeps.set(s.id, s);
    }
  }
  return { sweeps: [...sweeps.values()].sort(byTime), rows: rows.filter((r) => sweeps.has(r.id)), filesRead: read };
}

/**
 * One pass over a day file without splitting it into lines. Rows of unwanted sweeps are skipped unparsed;
 * with a host, only rows that start with that host are parsed. A line that does not parse (a torn tail)
 * ends its sweep: the rows after it, up to the next sweep line, belong to nobody and are dropped.
 */
function scanDay(text: string, q: HistoryQuery, wanted: (s: HistorySweep) => boolean, onSweep: (s: HistorySweep) => void, onRow: (r: HistoryRow) => void): void {
  const hostPrefix = q.host === undefined ? undefined : `[${JSON.stringify(q.host)},`;
  let cur: HistorySweep | undefined;
  let kindIdx = -1;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */) {
      const s = parse<HistorySweep>(text.slice(pos, end));
      cur = s && s.t === 's' && Math.floor(s.v ?? 1) <= HISTORY_VERSION && wanted(s) ? s : undefined;
      if (cur) {
        onSweep(cur);
        kindIdx = q.kind === undefined ? -1 : cur.kinds.indexOf(q.kind);
        if (q.kind !== undefined && kindIdx < 0) cur = undefined; // no row of this sweep can match
      }
    } else if (c === 0x5b /* [ */ && cur && (hostPrefix === undefined || text.startsWith(hostPrefix, pos))) {
      const r = parse<[string, number, string, HistoryRow['st']]>(text.slice(pos, end));
      if (!r) cur = undefined;
      else if (kindIdx < 0 || r[1] === kindIdx) onRow({ id: cur.id, h: r[0], k: cur.kinds[r[1]] ?? '?', i: r[2], st: r[3] });
    } else if (c !== 0x5b) {
      cur = undefined;
    }
    pos = end + 1;
  }
}

/** Sweeps of one inventory and shard form one series. */
export function sweepGroup(s: Pick<HistorySweep, 'inv' | 'shard'>): string {
  return `${s.inv}\0${s.shard ?? ''}`;
}

function byTime(a: HistorySweep, b: HistorySweep): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
}

function readDay(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new StateError('state.historyRead', `cannot read ${path}: ${(err as Error).message}`, err);
  }
}

/** A torn line (crash mid-append) or a foreign line is skipped, never fatal. */
function parse<T>(line: string): T | undefined {
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}
