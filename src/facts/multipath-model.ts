// The multipath topology fact: types shared by the `multipath -ll` and `multipathd ... json` parsers,
// per-entry validation, and the pure classifications the residual-map cleanup relies on.
import { Problems, isDeviceName, isDmName, isHctl, isMajMin, isMapName, isWwid } from './validate.js';

/** DM path states multipath prints (`%t`). */
export const DM_STATES: readonly string[] = ['active', 'failed', 'undef'];
/** Path checker states (`%T`); two of them contain a space. */
export const CHECKER_STATES: readonly string[] = [
  'ready', 'faulty', 'shaky', 'ghost', 'i/o pending', 'i/o timeout', 'delayed', 'disconnected', 'undef',
];
/** Device states (`%o`); `unknown` = not attached to a map in multipathd's view (usual in `multipath -l`). */
export const DEV_STATES: readonly string[] = ['running', 'offline', 'unknown'];
/** Checker states that mean the path cannot carry I/O. */
export const FAILED_CHECKER_STATES: readonly string[] = ['faulty', 'shaky', 'i/o timeout', 'disconnected'];

export interface MultipathPath {
  /** H:C:T:L; null for an orphan (`#:#:#:#`) and in multipathd JSON (which does not print it) */
  hctl: string | null;
  /** SCSI disk (`sdi`); null for an orphan (`-`) */
  dev: string | null;
  /** MAJ:MIN; null for an orphan (`#:#`) */
  majmin: string | null;
  dmState: string | null;
  checkerState: string | null;
  /** null in the 0.4.x format, which does not print it */
  devState: string | null;
  /** 1-based index into the map's pathGroups, null when the path is not under a group line */
  group: number | null;
  /** the SCSI device behind the path is gone (`#:#:#:# - #:#`) */
  orphan: boolean;
  /**
   * true only when no problem was found AND the path is not an orphan: then `dev` passes
   * isDeviceName, and hctl/majmin (when present) pass isHctl/isMajMin. Cleanup acts on valid paths only.
   */
  valid: boolean;
  /** why `valid` is false: the problems joined, or that the path is an orphan; null when valid */
  reason: string | null;
  /** validation problems (hostile or unparseable values, unknown state words); empty for a clean orphan */
  problems: string[];
}

export interface MultipathPathGroup {
  policy: string | null;
  prio: number | null;
  /** active | enabled | undef (| disabled) */
  status: string | null;
}

export interface MultipathMap {
  name: string;
  /** the `(wwid)` part, else the name itself (multipath prints no `(wwid)` when the name is the wwid) */
  wwid: string | null;
  /** dm-N; null when printed as `undef` */
  dm: string | null;
  /** trimmed SCSI inquiry strings; null when empty or `##` (no path left to ask) */
  vendor: string | null;
  product: string | null;
  size: string | null;
  /** without quotes: `1 queue_if_no_path` */
  features: string | null;
  hwhandler: string | null;
  paths: MultipathPath[];
  /** rw | ro | undef */
  wp: string | null;
  /** multipathd's queueing mode (`on`, `off`, `5 chk`, `-`); JSON only, null from `multipath -ll` */
  queueing: string | null;
  /** whether features include queue_if_no_path (I/O to the map blocks instead of failing); null when unknown */
  queueIfNoPath: boolean | null;
  pathGroups: MultipathPathGroup[];
  /** name, wwid and dm passed validation and no line of the map's block was left unparsed */
  valid: boolean;
  reason: string | null;
  problems: string[];
}

export interface MultipathTopology {
  maps: MultipathMap[];
  /** lines that are not part of any map (log lines, stderr), and what the parser could not read */
  warnings: string[];
}

/** Raw fields of one path as printed, placeholders (`#:#:#:#`, `-`, `#:#`) included. */
export interface RawPath {
  hctl: string | null;
  dev: string | null;
  majmin: string | null;
  dmState: string | null;
  checkerState: string | null;
  devState: string | null;
  group: number | null;
  /** problems found while splitting the line */
  problems?: string[];
}

/** Builds a validated path from raw fields; placeholders become null and mark the path an orphan. */
export function buildPath(raw: RawPath): MultipathPath {
  const p = new Problems();
  for (const e of raw.problems ?? []) p.add(e);
  const orphan = raw.hctl === '#:#:#:#' || raw.dev === '-' || raw.majmin === '#:#';
  const hctl = raw.hctl === '#:#:#:#' ? null : raw.hctl;
  const dev = raw.dev === '-' ? null : raw.dev;
  const majmin = raw.majmin === '#:#' ? null : raw.majmin;
  p.check('hctl', hctl, isHctl, 'an H:C:T:L address');
  p.check('dev', dev, isDeviceName, 'a SCSI disk name (sd[a-z]{1,4})');
  p.check('majmin', majmin, isMajMin, 'a MAJ:MIN device number');
  p.check('dm state', raw.dmState, (s) => DM_STATES.includes(s), `one of ${DM_STATES.join('|')}`);
  p.check('checker state', raw.checkerState, (s) => CHECKER_STATES.includes(s), `one of ${CHECKER_STATES.join('|')}`);
  p.check('device state', raw.devState, (s) => DEV_STATES.includes(s), `one of ${DEV_STATES.join('|')}`);
  if (!orphan && dev === null) p.add('dev is missing');
  const problems = p.list;
  const valid = problems.length === 0 && !orphan;
  const reason = problems.length > 0 ? problems.join('; ') : orphan ? 'orphan path: its SCSI device is gone' : null;
  return {
    hctl, dev, majmin,
    dmState: raw.dmState, checkerState: raw.checkerState, devState: raw.devState,
    group: raw.group, orphan, valid, reason, problems,
  };
}

export interface RawMap {
  name: string;
  wwid: string | null;
  dm: string | null;
  vendor: string | null;
  product: string | null;
  size: string | null;
  features: string | null;
  hwhandler: string | null;
  paths: MultipathPath[];
  wp: string | null;
  queueing: string | null;
  pathGroups: MultipathPathGroup[];
  problems: string[];
}

/** Validates a map's identifiers and fixes the key order of the JSON output. */
export function buildMap(raw: RawMap): MultipathMap {
  const p = new Problems();
  p.check('map name', raw.name, isMapName, 'a safe map name');
  p.check('wwid', raw.wwid, isWwid, 'a WWID');
  p.check('dm', raw.dm, isDmName, 'a dm-N name');
  for (const e of raw.problems) p.add(e);
  const problems = p.list;
  return {
    name: raw.name, wwid: raw.wwid, dm: raw.dm, vendor: raw.vendor, product: raw.product,
    size: raw.size, features: raw.features, hwhandler: raw.hwhandler, paths: raw.paths,
    wp: raw.wp, queueing: raw.queueing, queueIfNoPath: queueIfNoPath(raw.features),
    pathGroups: raw.pathGroups,
    valid: problems.length === 0, reason: problems.length ? problems.join('; ') : null, problems,
  };
}

function queueIfNoPath(features: string | null): boolean | null {
  if (features === null) return null;
  return /(^|\s)queue_if_no_path(\s|$)/.test(features);
}

/** `HUAWEI  ,XSG1    ` -> vendor/product, trimmed; empty and `##` become null. */
export function splitVendorProduct(s: string | null | undefined): { vendor: string | null; product: string | null } {
  if (s === null || s === undefined) return { vendor: null, product: null };
  const comma = s.indexOf(',');
  const v = comma < 0 ? s : s.slice(0, comma);
  const pr = comma < 0 ? null : s.slice(comma + 1);
  return { vendor: vendorPart(v), product: vendorPart(pr) };
}

export function vendorPart(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const t = s.trim();
  return t === '' || t === '##' ? null : t;
}

// ---- classification used by the cleanup playbook ----

/**
 * The path cannot carry I/O: it is an orphan, or DM failed it, or its checker says
 * faulty / shaky / i/o timeout / disconnected, or the SCSI device is offline.
 * `i/o pending`, `delayed`, `ghost` and `undef` (e.g. `multipath -l`, no checker run) are NOT failed:
 * unknown is never treated as dead.
 */
export function pathIsFailed(p: MultipathPath): boolean {
  if (p.orphan) return true;
  if (p.dmState === 'failed') return true;
  if (p.checkerState !== null && FAILED_CHECKER_STATES.includes(p.checkerState)) return true;
  return p.devState === 'offline';
}

/** Some path is `active ready`: the map is in use or usable and must be left alone. */
export function hasHealthyPath(map: MultipathMap): boolean {
  return map.paths.some((p) => p.dmState === 'active' && p.checkerState === 'ready');
}

/**
 * The map looks residual: it passed validation, no path has a validation problem, and every path
 * is failed or orphaned. A map with no paths at all is a candidate too: nothing can serve its I/O.
 * Being a candidate is where cleanup starts, not the proof: the playbook must still probe the map
 * (read test, queueing disabled first) and check that it is not open before flushing it.
 */
export function isCandidate(map: MultipathMap): boolean {
  if (!map.valid) return false;
  if (hasHealthyPath(map)) return false;
  return map.paths.every((p) => p.problems.length === 0 && pathIsFailed(p));
}
