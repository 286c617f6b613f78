// History records: what the state directory keeps of each sweep, and what `fleetsweep history` answers.
import type { CoverageState, ResidueState, SweepMode, SweepStatus } from './sweep.js';

/**
 * A day file holds, per sweep, one JSON object line (the sweep) followed by one JSON array line per residue
 * item: `[host, kind index into the sweep's kinds, item, state]`. A row belongs to the sweep line above it:
 * the sweep and its rows are appended in one write, so shards appending to one file never interleave.
 * A clean host costs nothing; a year of hourly sweeps over 2,000 hosts is 365 files of 8,760 sweep lines
 * plus the residue rows.
 */
export interface HistorySweep {
  t: 's';
  /** format version of the day file lines */
  v: 1;
  id: string;
  /** started, ISO */
  at: string;
  end: string;
  /** inventory key without the shard */
  inv: string;
  shard: string | null;
  mode: SweepMode;
  status: SweepStatus;
  exit: number;
  targeted: number;
  scanned: number;
  /** hosts that were targeted but not scanned, with why */
  un: [string, CoverageState][];
  /** residue kinds the sweep's playbooks check */
  kinds: string[];
  found: number;
  fixed: number;
  unfixed: number;
}

/** A residue row as queries hand it out (stored without the sweep id, under its sweep line). */
export interface HistoryRow {
  /** sweep id */
  id: string;
  h: string;
  k: string;
  /** item for people */
  i: string;
  st: ResidueState;
}

/** One host and kind over the selected sweeps. */
export interface HostKindHistory {
  host: string;
  kind: string;
  /** sweeps that found residue of this kind on the host */
  seen: number;
  /** sweeps of the host's inventory/shard that scanned it (the denominator of `seen`) */
  of: number;
  first: string;
  last: string;
  lastState: ResidueState;
  /** distinct items, first 10 */
  items: string[];
  itemCount: number;
}

/** One sweep as seen from one host (fleetsweep history --host). */
export interface HostTimelineEntry {
  sweepId: string;
  at: string;
  /** residue: items found/fixed; clean: scanned, nothing; else why it was not scanned */
  state: 'residue' | 'clean' | CoverageState;
  items: { kind: string; item: string; state: ResidueState }[];
}

export interface HistoryAnswer {
  window: { sweeps: number; from: string | null; to: string | null; filesRead: number };
  hosts: HostKindHistory[];
  timeline?: { host: string; entries: HostTimelineEntry[] };
}
