// Per-inventory sweep state: the key sweeps of one inventory (and shard) share, its lock, log and previous sweep.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { SweepReport } from '../model/sweep.js';
import { StateError } from '../errors/state-error.js';
import { DIR_MODE, nodeJournalFs } from './fs-layer.js';

export const SWEEP_LOCK_FILE = 'sweep.lock';
export const SWEEP_LOG_FILE = 'sweep.log';

export interface SweepKey {
  /** the inventory alone: history groups the shards of one fleet under it */
  base: string;
  /** base plus the shard: lock, log and previous sweep */
  key: string;
}

/**
 * `k8s-prod-3f9a1c0d2e` (+ `.s2of4`): a readable name from the first inventory plus a hash of every
 * inventory argument, so two inventories with the same file name never share a lock or a baseline.
 */
export function sweepKey(inventories: string[], shard?: { k: number; n: number }): SweepKey {
  const first = inventories[0];
  const label = first === undefined ? 'localhost' : first.includes(',') ? 'hosts' : basename(first, extname(first));
  const slug = label.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 40) || 'inventory';
  const hash = createHash('sha256').update(JSON.stringify([...inventories].sort())).digest('hex').slice(0, 10);
  const base = `${slug}-${hash}`;
  return { base, key: shard ? `${base}.s${shard.k}of${shard.n}` : base };
}

/** `<state>/sweeps/<key>`, created 0700. */
export function sweepDir(stateDir: string, key: string): string {
  const dir = join(stateDir, 'sweeps', key);
  try {
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw new StateError('state.dirUnusable', `cannot create ${dir}: ${(err as Error).message}`, err);
  }
  return dir;
}

/**
 * The baseline file of a set of playbooks: a sweep diffs against the previous sweep of the same inventory (and
 * shard) that ran the same playbooks, so an occasional sweep with other playbooks never makes residue look
 * new or gone.
 */
export function lastSweepFile(dir: string, playbooks: string[]): string {
  const hash = createHash('sha256').update(JSON.stringify([...playbooks].sort())).digest('hex').slice(0, 10);
  return join(dir, `last-${hash}.json`);
}

/** The previous complete sweep, or null (none yet, or unreadable: the diff then starts afresh). */
export function readLastSweep(dir: string, playbooks: string[]): SweepReport | null {
  try {
    const r = JSON.parse(readFileSync(lastSweepFile(dir, playbooks), 'utf8')) as SweepReport;
    return r && r.version === 1 && Array.isArray(r.residue) ? r : null;
  } catch {
    return null;
  }
}

/** Replaces the baseline atomically (temp file, fsync, rename): a crash leaves the old one or the new one. */
export async function writeLastSweep(dir: string, playbooks: string[], r: SweepReport): Promise<void> {
  const file = lastSweepFile(dir, playbooks);
  try {
    await nodeJournalFs.writeFileAtomic(file, JSON.stringify(r) + '\n');
  } catch (err) {
    throw new StateError('state.sweepWrite', `cannot write ${file}: ${(err as Error).message}`, err);
  }
}
