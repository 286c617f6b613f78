// Facts from the rbd CLI (Ceph 14 to 18): image watchers (`rbd status`) and kernel mappings
// (`rbd showmapped`), plain or `--format json [--pretty-format]`.
//
// Entries whose values fail validation are KEPT, with `valid: false` and a `reason`: a watcher or a
// mapping that exists but cannot be read must still count as "there is something here". Cleanup
// acts on valid entries only. `recognized: false` means the output was not the expected format at
// all (an error message, say): then an empty list does not mean "none". Never throws.
import { extractJson, intString, isRecord, splitLines, str, type JsonRecord } from './text.js';
import {
  Problems, isCephAddress, isCephClient, isCephName, isDecimalU64, isRbdDevice, parseCephAddress,
  type CephAddress,
} from './validate.js';
import { FleetError } from '../errors/fleet-error.js';

export interface RbdWatcher {
  /** `10.0.0.5:0/1787993098` as printed */
  address: string | null;
  /** `client.205213` (JSON's bare number is given the same form) */
  client: string | null;
  /** decimal string: cookies are 64-bit */
  cookie: string | null;
  ip: string | null;
  nonce: number | null;
  valid: boolean;
  reason: string | null;
}

export interface RbdStatus {
  watchers: RbdWatcher[];
  /** a `Watchers:` section or a JSON `watchers` list was found */
  recognized: boolean;
  warnings: string[];
}

export interface RbdMapping {
  id: string | null;
  pool: string | null;
  /** null for the default namespace (printed empty) and in Ceph 14's table, which has no column */
  namespace: string | null;
  image: string | null;
  /** null when printed `-` (the image head, not a snapshot) */
  snap: string | null;
  /** /dev/rbdN */
  device: string | null;
  valid: boolean;
  reason: string | null;
}

export interface RbdShowmapped {
  mappings: RbdMapping[];
  /** the table header or a JSON document was found, or the output was empty (no mapping) */
  recognized: boolean;
  warnings: string[];
}

/** `IP:PORT/NONCE` (or `[V6]:PORT/NONCE`) -> parts; null for anything else. */
export function parseWatcherAddress(addr: string): { ip: string; port: number | null; nonce: number | null } | null {
  const a: CephAddress | null = parseCephAddress(addr);
  return a === null ? null : { ip: a.ip, port: a.port, nonce: a.nonce };
}

/** `rbd status --format json POOL/[NAMESPACE/]IMAGE`; invalid names are a bug in the caller. */
export function rbdStatusArgv(pool: string, image: string, namespace: string | null = null): string[] {
  return ['rbd', 'status', '--format', 'json', imageSpec(pool, image, namespace)];
}
export const RBD_SHOWMAPPED_ARGV: readonly string[] = ['rbd', 'showmapped', '--format', 'json'];

export function imageSpec(pool: string, image: string, namespace: string | null = null): string {
  for (const [what, v] of [['pool', pool], ['image', image], ['namespace', namespace]] as const) {
    if (v !== null && !isCephName(v)) throw new FleetError('facts.invalidArgument', `not a safe rbd ${what} name: ${JSON.stringify(v)}`);
  }
  return namespace === null ? `${pool}/${image}` : `${pool}/${namespace}/${image}`;
}

// ---------------- rbd status ----------------

export function parseRbdStatus(text: string): RbdStatus {
  const src = typeof text === 'string' ? text : '';
  const lines = splitLines(src);
  if (lines.some((l) => /^\s*Watchers:/.test(l))) return plainStatus(lines);
  const warnings: string[] = [];
  const { value, error, outside } = extractJson(src);
  warnings.push(...outside);
  if (error !== null) {
    warnings.push(`rbd status: ${error}`);
    return { watchers: [], recognized: false, warnings };
  }
  let list: unknown = isRecord(value) ? value['watchers'] : undefined;
  // very old releases wrapped the list: {"watchers":{"watcher":[...]}}
  if (isRecord(list)) list = Array.isArray(list['watcher']) ? list['watcher'] : [list['watcher']];
  if (!Array.isArray(list)) {
    warnings.push('rbd status: no "watchers" list in the JSON document');
    return { watchers: [], recognized: false, warnings };
  }
  const watchers = list.map((w) => (isRecord(w) ? jsonWatcher(w) : watcher(null, null, null, ['watcher entry is not an object'])));
  return { watchers, recognized: true, warnings };
}

function jsonWatcher(w: JsonRecord): RbdWatcher {
  const client = intString(w['client']) ?? str(w['client']);
  return watcher(str(w['address']), client === null || client.startsWith('client.') ? client : `client.${client}`, intString(w['cookie']));
}

function plainStatus(lines: string[]): RbdStatus {
  const warnings: string[] = [];
  const watchers: RbdWatcher[] = [];
  let inSection = false;
  let seen = false;
  for (const line of lines) {
    if (line === '') continue;
    const head = /^\s*Watchers:\s*(.*)$/.exec(line);
    if (head && !seen) {
      seen = true;
      const rest = head[1]!;
      if (rest === 'none' || rest === '') inSection = rest === '';
      else watchers.push(watcher(null, null, null, [`unexpected text after "Watchers:": ${JSON.stringify(rest)}`]));
      continue;
    }
    // the section's entries are indented (a TAB, or spaces in docs); the next section is not
    if (inSection && /^\s/.test(line)) {
      const m = /^\s*watcher=(\S*)\s+(\S+)\s+cookie=(\S+)$/.exec(line);
      if (m) watchers.push(watcher(m[1]!, m[2]!, m[3]!));
      else watchers.push(watcher(null, null, null, [`unparsed watcher line ${JSON.stringify(line.trim())}`]));
      continue;
    }
    inSection = false;
    if (!seen) warnings.push(line);
  }
  return { watchers, recognized: seen, warnings };
}

function watcher(address: string | null, client: string | null, cookie: string | null, extra: string[] = []): RbdWatcher {
  const p = new Problems();
  for (const e of extra) p.add(e);
  if (extra.length === 0) {
    if (address === null) p.add('address is missing');
    p.check('address', address, isCephAddress, 'an IP:PORT/NONCE address');
    p.check('client', client, isCephClient, 'a client.N name');
    p.check('cookie', cookie, isDecimalU64, 'a decimal cookie');
  }
  const a = parseCephAddress(address);
  return {
    address, client, cookie, ip: a?.ip ?? null, nonce: a?.nonce ?? null,
    valid: p.list.length === 0, reason: p.list.length ? p.list.join('; ') : null,
  };
}

// ---------------- rbd showmapped ----------------

const COLUMNS = ['id', 'pool', 'namespace', 'image', 'snap', 'device'] as const;
type Column = (typeof COLUMNS)[number];

export function parseRbdShowmapped(text: string): RbdShowmapped {
  const src = typeof text === 'string' ? text : '';
  const lines = splitLines(src);
  const headerAt = lines.findIndex((l) => isHeader(l));
  if (headerAt < 0 && /^\s*[[{]/m.test(src)) return jsonShowmapped(src);
  const warnings: string[] = [];
  if (headerAt < 0) {
    const rest = lines.filter((l) => l !== '');
    warnings.push(...rest);
    // no output at all is how rbd says "nothing mapped"
    return { mappings: [], recognized: rest.length === 0, warnings };
  }
  warnings.push(...lines.slice(0, headerAt).filter((l) => l !== ''));
  const header = lines[headerAt]!;
  const cols = header.trim().split(/\s+/) as Column[];
  const starts = cols.map((c) => new RegExp(`(^|\\s)${c}(\\s|$)`).exec(header)!).map((m) => m.index + m[1]!.length);
  const mappings: RbdMapping[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line === '') continue;
    if (/^rbd: /.test(line)) {
      warnings.push(line);
      continue;
    }
    mappings.push(mapping(rowCells(line, cols, starts)));
  }
  return { mappings, recognized: true, warnings };
}

function isHeader(line: string): boolean {
  const t = line.trim().split(/\s+/).join(' ');
  return t === 'id pool image snap device' || t === 'id pool namespace image snap device';
}

/**
 * Cells of one table row. rbd's TextTable pads every cell to its column's width, so a row is cut at
 * the header's column starts whenever every start falls just after a blank (an empty namespace
 * cell or a value with a space then stay in their column). Rows that do not line up (copied,
 * re-spaced) fall back to one word per column, or, with a namespace column and one word short, an
 * empty namespace.
 */
function rowCells(line: string, cols: Column[], starts: number[]): Partial<Record<Column, string>> {
  const cells: Partial<Record<Column, string>> = {};
  const aligned = starts.every((c, i) => i === 0 || c >= line.length || /\s/.test(line[c - 1]!))
    && /^\s*$/.test(line.slice(0, starts[0]!));
  const words = line.trim().split(/\s+/);
  if (aligned) {
    cols.forEach((c, i) => (cells[c] = sliceCell(line, starts, i)));
  } else if (words.length === cols.length) {
    cols.forEach((c, i) => (cells[c] = words[i]!));
  } else if (cols.includes('namespace') && words.length === cols.length - 1) {
    cols.filter((c) => c !== 'namespace').forEach((c, i) => (cells[c] = words[i]!));
  } else {
    cols.forEach((c, i) => (cells[c] = sliceCell(line, starts, i)));
  }
  return cells;
}

function sliceCell(line: string, starts: number[], i: number): string {
  const end = i + 1 < starts.length ? starts[i + 1]! : line.length;
  return line.slice(starts[i]!, end).trim();
}

function jsonShowmapped(src: string): RbdShowmapped {
  const warnings: string[] = [];
  const { value, error, outside } = extractJson(src);
  warnings.push(...outside);
  if (error !== null) {
    warnings.push(`rbd showmapped: ${error}`);
    return { mappings: [], recognized: false, warnings };
  }
  const mappings: RbdMapping[] = [];
  // Ceph 14+: an array of {id, pool, namespace, name, snap, device}
  if (Array.isArray(value)) {
    for (const e of value) {
      if (isRecord(e)) mappings.push(mapping(jsonCells(e, e['id'])));
      else mappings.push(mapping({}, ['mapping entry is not an object']));
    }
    return { mappings, recognized: true, warnings };
  }
  // older releases: an object keyed by id, {"0": {pool, name, snap, device}}
  if (isRecord(value)) {
    for (const [id, e] of Object.entries(value)) {
      if (isRecord(e)) mappings.push(mapping(jsonCells(e, id)));
      else mappings.push(mapping({ id }, ['mapping entry is not an object']));
    }
    return { mappings, recognized: true, warnings };
  }
  warnings.push('rbd showmapped: the JSON document is neither a list nor an object');
  return { mappings, recognized: false, warnings };
}

function jsonCells(e: JsonRecord, id: unknown): Partial<Record<Column, string>> {
  const cells: Partial<Record<Column, string>> = {};
  const put = (c: Column, v: unknown): void => {
    const s = intString(v) ?? (typeof v === 'string' ? v : null);
    if (s !== null) cells[c] = s;
  };
  put('id', id);
  put('pool', e['pool']);
  put('namespace', e['namespace']);
  put('image', e['name'] ?? e['image']);
  put('snap', e['snap']);
  put('device', e['device']);
  return cells;
}

function mapping(cells: Partial<Record<Column, string>>, extra: string[] = []): RbdMapping {
  const v = (c: Column): string | null => {
    const s = cells[c];
    return s === undefined || s === '' ? null : s;
  };
  const snapRaw = v('snap');
  const m = {
    id: v('id'), pool: v('pool'), namespace: v('namespace'), image: v('image'),
    snap: snapRaw === '-' ? null : snapRaw, device: v('device'),
  };
  const p = new Problems();
  for (const e of extra) p.add(e);
  for (const c of ['id', 'pool', 'image', 'device'] as const) if (m[c] === null) p.add(`${c} is missing`);
  p.check('id', m.id, (s) => /^\d{1,6}$/.test(s), 'a numeric id');
  p.check('pool', m.pool, isCephName, 'a safe pool name');
  p.check('namespace', m.namespace, isCephName, 'a safe namespace name');
  p.check('image', m.image, isCephName, 'a safe image name');
  p.check('snap', m.snap, isCephName, 'a safe snapshot name');
  p.check('device', m.device, isRbdDevice, 'a /dev/rbdN device');
  return { ...m, valid: p.list.length === 0, reason: p.list.length ? p.list.join('; ') : null };
}
