// Fact: the multipath topology from `multipathd show maps json` / `multipathd show map NAME json`
// (JSON format major 0, minor 1), into the same shape as `multipath -ll`.
//
// multipathd builds this JSON with printf, not a JSON library: a vendor string with a quote
// breaks it. Then nothing is returned but a warning (no map is better than a misread one).
// JSON carries no H:C:T:L, so `hctl` is null. `paths` (count of active paths) and `path_faults`
// (a cumulative counter) are ignored on purpose: neither says a map is residual. Never throws.
import {
  buildMap, buildPath, vendorPart,
  type MultipathMap, type MultipathPath, type MultipathPathGroup, type MultipathTopology,
} from './multipath-model.js';
import { extractJson, isRecord, str, type JsonRecord } from './text.js';

export function parseMultipathdJson(text: string): MultipathTopology {
  const warnings: string[] = [];
  const { value, error, outside } = extractJson(typeof text === 'string' ? text : '');
  // the interactive prompt (`multipathd> list maps json`) and merged stderr land here
  warnings.push(...outside);
  if (error !== null) {
    warnings.push(`multipathd json: ${error}`);
    return { maps: [], warnings };
  }
  if (!isRecord(value)) {
    warnings.push('multipathd json: the document is not an object');
    return { maps: [], warnings };
  }
  const major = value['major_version'];
  if (major !== undefined && major !== 0) warnings.push(`multipathd json: unknown major_version ${JSON.stringify(major)}`);
  let rawMaps: unknown[];
  if (Array.isArray(value['maps'])) rawMaps = value['maps'];
  else if (isRecord(value['map'])) rawMaps = [value['map']];
  else {
    warnings.push('multipathd json: neither "maps" nor "map" found');
    rawMaps = [];
  }
  const maps: MultipathMap[] = [];
  rawMaps.forEach((m, i) => {
    const map = isRecord(m) ? jsonMap(m) : null;
    if (map) maps.push(map);
    else warnings.push(`multipathd json: map #${i} has no name, skipped`);
  });
  return { maps, warnings };
}

function jsonMap(m: JsonRecord): MultipathMap | null {
  const name = str(m['name']) ?? str(m['uuid']);
  if (name === null) return null;
  const pathGroups: MultipathPathGroup[] = [];
  const paths: MultipathPath[] = [];
  const problems: string[] = [];
  const groups = m['path_groups'];
  if (groups !== undefined && !Array.isArray(groups)) problems.push('path_groups is not a list');
  (Array.isArray(groups) ? groups : []).forEach((g, gi) => {
    if (!isRecord(g)) {
      problems.push(`path group #${gi} is not an object`);
      return;
    }
    const prio = g['pri'];
    pathGroups.push({
      policy: str(g['selector']),
      prio: typeof prio === 'number' && Number.isFinite(prio) ? prio : null,
      status: str(g['dm_st']),
    });
    const gp = g['paths'];
    (Array.isArray(gp) ? gp : []).forEach((p, pi) => {
      if (!isRecord(p)) {
        problems.push(`path #${pi} of group #${gi} is not an object`);
        return;
      }
      paths.push(buildPath({
        hctl: str(p['hcil']) ?? str(p['hctl']),
        dev: str(p['dev']),
        majmin: str(p['dev_t']),
        dmState: str(p['dm_st']),
        checkerState: str(p['chk_st']),
        devState: str(p['dev_st']),
        group: gi + 1,
      }));
    });
  });
  const sysfs = str(m['sysfs']);
  const wp = str(m['write_prot']);
  return buildMap({
    name,
    wwid: str(m['uuid']) ?? name,
    dm: sysfs === 'undef' ? null : sysfs,
    vendor: vendorPart(str(m['vend'])),
    product: vendorPart(str(m['prod'])),
    size: str(m['size']),
    features: str(m['features']),
    hwhandler: str(m['hwhandler']),
    paths,
    wp,
    queueing: str(m['queueing']),
    pathGroups,
    problems,
  });
}
