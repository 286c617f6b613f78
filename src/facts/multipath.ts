// Fact: the multipath topology from `multipath -ll` / `multipath -l` (multipath-tools 0.4.x to 0.9.x).
//
// Parsed by the grammar of libmultipath/print.c (shared/guides/multipath-format.md), line by line:
//   header   NAME [(WWID)] dm-N|undef [VENDOR,PRODUCT]      (optionally `create: ` etc. before it)
//   props    size=.. features='..' hwhandler='..' wp=..   |  0.4.x: [size=..][features=..][hwhandler=..][rw]
//   group    |-+- / `-+- policy='..' prio=N status=..      |  0.4.x: \_ round-robin 0 [prio=N][active]
//   path     | |- / | `- / "  |- " / "  `- " H:C:T:L DEV MAJ:MIN DM CHECKER DEVSTATE
//                                                          |  0.4.x:  \_ H:C:T:L DEV MAJ:MIN [DM][CHECKER]
// Lines before the first map and log lines (`Apr 04 16:13:40 | ...`) go to `warnings`. Any other
// line the grammar does not know, inside a map's block, goes to `warnings` AND taints that map
// (valid: false): a path we could not read might be the healthy one, so the map is never a
// cleanup candidate. Never throws.
import {
  buildMap, buildPath, splitVendorProduct,
  type MultipathPath, type MultipathPathGroup, type MultipathTopology, type RawMap,
} from './multipath-model.js';
import { splitLines } from './text.js';
import { isMapName } from './validate.js';
import { FleetError } from '../errors/fleet-error.js';

export * from './multipath-model.js';
export { parseMultipathdJson } from './multipathd-json.js';

/** Read-only commands for this fact (argv; the caller quotes them for sh). */
export const MULTIPATH_LL_ARGV: readonly string[] = ['multipath', '-ll'];
export const MULTIPATHD_MAPS_JSON_ARGV: readonly string[] = ['multipathd', 'show', 'maps', 'json'];
/** `multipathd show map NAME json`; a name that fails isMapName is a bug in the caller. */
export function multipathdMapJsonArgv(name: string): string[] {
  if (!isMapName(name)) throw new FleetError('facts.invalidArgument', `not a safe multipath map name: ${JSON.stringify(name)}`);
  return ['multipathd', 'show', 'map', name, 'json'];
}

const ACTIONS = '(?:create|reload|switchpg|rename|resize|reject|reload, rename|delay)';
/** NAME [(WWID)] dm-N|undef [VENDOR,PRODUCT] */
const HEADER = new RegExp(`^(?:${ACTIONS}: )?(\\S+)(?:\\s+\\(([^()\\s]*)\\))?\\s+(dm-\\d+|undef)(?:\\s(.*))?$`);
/** very old (0.4.5): NAME (WWID) with no dm column; accepted only when a props line follows */
const HEADER_NO_DM = /^(\S+)\s+\(([^()\s]+)\)(?:\s+(.*))?$/;
/** 0.4.8 (Debian lenny) could print a 33-character WWID glued to the dm name: `360a98...7a59dm-2 NETAPP  ,LUN` */
const HEADER_GLUED = /^([0-9A-Za-z_.:+-]+?)(dm-\d+)(?:\s+(.*))?$/;
const LOG_LINE = /^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d+\.\d+) \| /;
/** tree prefix of the current format: group `|-+- `, `` `-+- ``; path `| |- `, `` | `- ``, `  |- `, `` `- `` */
const TREE = /^[ |`]*[|`]-(\+-)? +(\S.*)$/;
/** 0.4.x: group `\_ ` at column 0, path ` \_ ` indented */
const OLD_TREE = /^( *)\\_ +(\S.*)$/;
const PATH_BODY = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S.*)$/;
const NEW_STATES = /^(\S+)(?:\s+(i\/o\s+pending|i\/o\s+timeout|\S+))?(?:\s+(\S+))?(?:\s+(\S.*))?$/;

interface Block extends RawMap {
  propsSeen: boolean;
}

export function parseMultipath(text: string): MultipathTopology {
  const warnings: string[] = [];
  const blocks: Block[] = [];
  let cur: Block | null = null;
  const lines = splitLines(typeof text === 'string' ? text : '');

  const taint = (line: string, why: string): void => {
    if (cur === null) {
      warnings.push(line);
      return;
    }
    warnings.push(`map ${JSON.stringify(cur.name)}: ${why}: ${line}`);
    cur.problems.push(`${why}: ${JSON.stringify(line)}`);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;

    const header = matchHeader(line, () => nextNonEmpty(lines, i + 1));
    if (header) {
      cur = { ...header, propsSeen: false };
      blocks.push(cur);
      continue;
    }
    if (LOG_LINE.test(line) || cur === null) {
      warnings.push(line);
      continue;
    }
    const props = parseProps(line);
    if (props) {
      if (cur.propsSeen || cur.pathGroups.length > 0 || cur.paths.length > 0) taint(line, 'unexpected properties line');
      else Object.assign(cur, props, { propsSeen: true });
      continue;
    }
    const tree = TREE.exec(line);
    const old = tree ? null : OLD_TREE.exec(line);
    const isGroup = tree ? tree[1] !== undefined : old ? old[1] === '' : false;
    const body = tree ? tree[2]! : old ? old[2]! : null;
    if (body === null) {
      taint(line, 'unrecognised line');
      continue;
    }
    if (isGroup) {
      const g = tree ? parseGroup(body) : parseOldGroup(body);
      if (g) cur.pathGroups.push(g);
      else taint(line, 'unrecognised path group line');
      continue;
    }
    const group = cur.pathGroups.length > 0 ? cur.pathGroups.length : null;
    const path = parsePathBody(body, group);
    if (path) cur.paths.push(path);
    else taint(line, 'unrecognised path line');
  }

  const maps = blocks.map(({ propsSeen: _seen, ...raw }) => buildMap(raw));
  return { maps, warnings };
}

function nextNonEmpty(lines: string[], from: number): string | undefined {
  for (let i = from; i < lines.length; i++) if (lines[i] !== '') return lines[i];
  return undefined;
}

function emptyMap(name: string, wwid: string | null, dm: string | null, vp: string | undefined): RawMap {
  const { vendor, product } = splitVendorProduct(vp);
  return {
    name, wwid, dm, vendor, product, size: null, features: null, hwhandler: null, paths: [],
    wp: null, queueing: null, pathGroups: [], problems: [],
  };
}

function matchHeader(line: string, nextLine: () => string | undefined): RawMap | null {
  const m = HEADER.exec(line);
  if (m) {
    const name = m[1]!;
    const wwid = m[2] === undefined ? name : m[2] === '' ? null : m[2];
    return emptyMap(name, wwid, m[3] === 'undef' ? null : m[3]!, m[4]);
  }
  // the looser forms count only when a properties line follows
  const next = nextLine();
  if (next === undefined || parseProps(next) === null) return null;
  const o = HEADER_NO_DM.exec(line);
  if (o) return emptyMap(o[1]!, o[2]!, null, o[3]);
  const g = HEADER_GLUED.exec(line);
  if (g) return emptyMap(g[1]!, g[1]!, g[2]!, g[3]);
  return null;
}

type Props = Pick<RawMap, 'size' | 'features' | 'hwhandler' | 'wp'>;

/** `size=100G features='0' hwhandler='0' wp=rw` (any subset) or 0.4.x `[size=..][features=..][hwhandler=..][rw]`. */
function parseProps(line: string): Props | null {
  const props: Props = { size: null, features: null, hwhandler: null, wp: null };
  const set = (key: string, value: string): boolean => {
    const v = value.replace(/^(['"])(.*)\1$/, '$2');
    if (key === 'size') props.size = v;
    else if (key === 'features') props.features = v;
    else if (key === 'hwhandler') props.hwhandler = v;
    else if (key === 'wp') props.wp = v;
    else return false;
    return true;
  };
  if (line.startsWith('[')) {
    if (!/^(\[[^\]]*\])+$/.test(line)) return null;
    const items = [...line.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!);
    if (!items[0]?.startsWith('size=')) return null;
    for (const it of items) {
      const eq = it.indexOf('=');
      if (eq > 0) {
        if (!set(it.slice(0, eq), it.slice(eq + 1))) return null;
      } else if (/^(rw|ro)$/.test(it)) props.wp = it;
      else return null;
    }
    return props;
  }
  if (!/^(size|features|hwhandler|wp)=/.test(line)) return null;
  // unknown keys a newer release may add are skipped; the line must still be all key=value pairs
  const re = /(\w+)=('[^']*'|\S+)\s*/y;
  let pos = 0;
  while (pos < line.length) {
    re.lastIndex = pos;
    const m = re.exec(line);
    if (!m) return null;
    set(m[1]!, m[2]!);
    pos = re.lastIndex;
  }
  return props;
}

/** `policy='service-time 0' prio=50 status=active` (fields may be missing) */
function parseGroup(body: string): MultipathPathGroup | null {
  if (!/^(policy|prio|status)=/.test(body)) return null;
  const policy = /(?:^|\s)policy='([^']*)'/.exec(body)?.[1] ?? null;
  const prio = /(?:^|\s)prio=(-?\d+)(?:\s|$)/.exec(body)?.[1];
  const status = /(?:^|\s)status=(\S+)/.exec(body)?.[1] ?? null;
  return { policy, prio: prio === undefined ? null : Number(prio), status };
}

/** `round-robin 0 [prio=8][active]`, `round-robin 0 [active]`, `round-robin 0 [prio=0][enabled][first]` */
function parseOldGroup(body: string): MultipathPathGroup | null {
  // a path line at group indentation must not pass for a group (it would hide the path)
  if (/^[\d#]+:[\d#]+:[\d#]+:[\d#]+\s/.test(body)) return null;
  const m = /^([^[]*?)\s*((?:\[[^\]]*\])*)$/.exec(body);
  if (!m || m[2] === '') return null;
  let prio: number | null = null;
  let status: string | null = null;
  for (const [, item] of m[2]!.matchAll(/\[([^\]]*)\]/g)) {
    const p = /^prio=(-?\d+)$/.exec(item!);
    if (p) prio = Number(p[1]);
    else if (status === null && /^(active|enabled|disabled|undef)$/.test(item!)) status = item!;
  }
  return { policy: m[1] === '' ? null : m[1]!, prio, status };
}

/**
 * `H:C:T:L DEV MAJ:MIN` then the states: new format `active i/o pending running` (the checker
 * state may hold a space, so it is matched against the vocabulary), or 0.4.x `[active][ready]`.
 */
function parsePathBody(body: string, group: number | null): MultipathPath | null {
  const m = PATH_BODY.exec(body);
  if (!m) return null;
  const [, hctl, dev, majmin, rest] = m as unknown as [string, string, string, string, string];
  const problems: string[] = [];
  let dmState: string | null = null;
  let checkerState: string | null = null;
  let devState: string | null = null;
  if (rest.startsWith('[')) {
    if (!/^(\[[^\]]*\])+$/.test(rest)) return null;
    const items = [...rest.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!.trim());
    dmState = items[0] || null;
    checkerState = items[1] ? items[1].replace(/\s+/g, ' ') : null;
  } else {
    const s = NEW_STATES.exec(rest);
    if (!s) return null;
    dmState = s[1]!;
    checkerState = s[2] === undefined ? null : s[2].replace(/\s+/g, ' ');
    devState = s[3] ?? null;
    if (s[4] !== undefined) problems.push(`unexpected trailing columns ${JSON.stringify(s[4])}`);
    if (checkerState === null) problems.push('checker state is missing');
  }
  return buildPath({ hctl, dev, majmin, dmState, checkerState, devState, group, problems });
}
