// Facts from kubectl: events (`kubectl get events -o json`, core/v1 and events.k8s.io/v1, and the
// `Events:` table of `kubectl describe pod`), with the volume each storage event is about.
// PVs, pods and VolumeAttachments are in kubectl-objects.ts. Never throws.
import { extractJson, isRecord, splitLines, str, type JsonRecord } from './text.js';
import { Problems, isCephName, isK8sName, isK8sNamespace } from './validate.js';

export * from './kubectl-objects.js';

export const KUBECTL_EVENTS_ARGV: readonly string[] = ['kubectl', 'get', 'events', '-A', '-o', 'json'];

export interface KubeEvent {
  namespace: string | null;
  /** the involved object's name when it is a Pod, else null */
  pod: string | null;
  reason: string | null;
  /** Normal | Warning */
  type: string | null;
  message: string | null;
  /**
   * what the event is about: the PV/volume name quoted in `... for volume "pvc-..."` (Multi-Attach,
   * MountVolume.MountDevice, AttachVolume...), else the ceph-csi image spec from
   * `rbd image POOL/IMAGE is still being used`, else null
   */
  volume: string | null;
  /** ceph-csi `rbd image POOL[/NAMESPACE]/IMAGE is still being used`: the image spec, else null */
  rbdImage: string | null;
  kind: string | null;
  name: string | null;
  /** JSON: series.lastObservedTime / lastTimestamp / eventTime / creationTimestamp; null from describe */
  lastSeen: string | null;
  /** describe: the Age column (`71s`, `3m (x5 over 10m)`); null from JSON */
  age: string | null;
  count: number | null;
  /** namespace, name, volume and image passed validation */
  valid: boolean;
  /** why `valid` is false (`reason` is the event's own reason) */
  invalidReason: string | null;
}

export interface KubeEvents {
  events: KubeEvent[];
  recognized: boolean;
  warnings: string[];
}

const FOR_VOLUME = /\bfor volume "([^"]*)"/;
const RBD_IN_USE = /\brbd image (\S+) is still being used\b/;

/** Volume facts in an event message. */
export function volumeFromMessage(message: string | null): { volume: string | null; rbdImage: string | null } {
  if (message === null) return { volume: null, rbdImage: null };
  const rbdImage = RBD_IN_USE.exec(message)?.[1] ?? null;
  const volume = FOR_VOLUME.exec(message)?.[1] ?? rbdImage;
  return { volume: volume === '' ? null : volume, rbdImage };
}

/** `pool/image` or `pool/namespace/image` with every part a safe Ceph name. */
export function isRbdImageSpec(s: string): boolean {
  const parts = s.split('/');
  return (parts.length === 2 || parts.length === 3) && parts.every(isCephName);
}

function event(f: {
  namespace: string | null; kind: string | null; name: string | null; reason: string | null;
  type: string | null; message: string | null; lastSeen: string | null; age: string | null; count: number | null;
}): KubeEvent {
  const { volume, rbdImage } = volumeFromMessage(f.message);
  const p = new Problems();
  p.check('namespace', f.namespace, isK8sNamespace, 'a Kubernetes namespace');
  p.check('name', f.name, isK8sName, 'a Kubernetes object name');
  p.check('rbd image', rbdImage, isRbdImageSpec, 'a safe POOL/IMAGE spec');
  p.check('volume', volume === rbdImage ? null : volume, isK8sName, 'a Kubernetes volume name');
  return {
    namespace: f.namespace,
    pod: f.kind === 'Pod' ? f.name : null,
    reason: f.reason, type: f.type, message: f.message, volume, rbdImage,
    kind: f.kind, name: f.name, lastSeen: f.lastSeen, age: f.age, count: f.count,
    valid: p.list.length === 0, invalidReason: p.list.length ? p.list.join('; ') : null,
  };
}

export function parseKubectlEvents(text: string): KubeEvents {
  const warnings: string[] = [];
  const { value, error, outside } = extractJson(typeof text === 'string' ? text : '');
  warnings.push(...outside);
  if (error !== null) {
    warnings.push(`kubectl events: ${error}`);
    return { events: [], recognized: false, warnings };
  }
  let items: unknown[];
  if (isRecord(value) && Array.isArray(value['items'])) items = value['items'];
  else if (isRecord(value) && value['kind'] === 'Event') items = [value];
  else if (Array.isArray(value)) items = value;
  else {
    warnings.push('kubectl events: no "items" list in the JSON document');
    return { events: [], recognized: false, warnings };
  }
  const events: KubeEvent[] = [];
  items.forEach((it, i) => {
    if (isRecord(it)) events.push(jsonEvent(it));
    else warnings.push(`kubectl events: item #${i} is not an object`);
  });
  return { events, recognized: true, warnings };
}

function jsonEvent(e: JsonRecord): KubeEvent {
  const meta = isRecord(e['metadata']) ? e['metadata'] : {};
  // events.k8s.io/v1 names the object `regarding` and the text `note`; core/v1 `involvedObject` / `message`
  const obj = isRecord(e['regarding']) ? e['regarding'] : isRecord(e['involvedObject']) ? e['involvedObject'] : {};
  const series = isRecord(e['series']) ? e['series'] : {};
  const countRaw = e['count'] ?? e['deprecatedCount'] ?? series['count'];
  return event({
    namespace: str(obj['namespace']) ?? str(meta['namespace']),
    kind: str(obj['kind']),
    name: str(obj['name']),
    reason: str(e['reason']),
    type: str(e['type']),
    message: str(e['message']) ?? str(e['note']),
    lastSeen: str(series['lastObservedTime']) ?? str(e['lastTimestamp']) ?? str(e['deprecatedLastTimestamp'])
      ?? str(e['eventTime']) ?? str(meta['creationTimestamp']),
    age: null,
    count: typeof countRaw === 'number' && Number.isFinite(countRaw) ? countRaw : null,
  });
}

/**
 * The `Events:` tables of `kubectl describe pod` output (one or several pods; the pod's name and
 * namespace come from its `Name:`/`Namespace:` lines). Columns are cut at the header's column
 * starts (kubectl aligns them with a tabwriter): Age (`3m (x5 over 10m)`) and From
 * (`kubelet, 10.66.4.14`) hold spaces. kubectl prints a multi-line message as is, so a line that
 * does not start a row continues the previous message.
 */
export function parseKubectlDescribeEvents(text: string): KubeEvents {
  const warnings: string[] = [];
  const events: KubeEvent[] = [];
  let name: string | null = null;
  let namespace: string | null = null;
  let inEvents = false;
  let sawEvents = false;
  let cols: number[] | null = null;
  let rows: string[][] = [];
  const flush = (): void => {
    for (const [type, reason, age, , message] of rows) {
      events.push(event({
        namespace, kind: 'Pod', name, reason: reason || null, type: type || null, message: message || null,
        lastSeen: null, age: age || null, count: null,
      }));
    }
    rows = [];
  };
  for (const l of splitLines(typeof text === 'string' ? text : '')) {
    const top = /^(Name|Namespace):\s+(\S+)$/.exec(l);
    if (top?.[1] === 'Name') {
      flush();
      name = top[2]!;
      namespace = null;
      inEvents = false;
      cols = null;
      continue;
    }
    if (!inEvents) {
      if (top?.[1] === 'Namespace') namespace = top[2]!;
      const ev = /^Events:\s*(.*)$/.exec(l);
      if (ev) {
        sawEvents = true;
        inEvents = ev[1] !== '<none>';
      }
      continue;
    }
    if (l === '' || /^\s*-+(\s+-+)*$/.test(l)) continue;
    if (cols === null) {
      if (/^\s*Type\s+Reason\s+Age\s+From\s+Message$/.test(l)) {
        cols = ['Type', 'Reason', 'Age', 'From', 'Message'].map((c) => new RegExp(`(^|\\s)${c}(\\s|$)`).exec(l)!)
          .map((m) => m.index + m[1]!.length);
      } else warnings.push(`kubectl describe: unparsed line: ${l.trim()}`);
      continue;
    }
    const c = cols;
    const cell = (i: number): string => l.slice(c[i]!, i + 1 < c.length ? c[i + 1]! : l.length).trim();
    const type = cell(0);
    if (type === 'Normal' || type === 'Warning') {
      const aligned = c.slice(1).every((x) => /\s/.test(l[x - 1] ?? ' '));
      const row = aligned ? [0, 1, 2, 3, 4].map(cell) : looseRow(l);
      if (row) rows.push(row);
      else warnings.push(`kubectl describe: unparsed event row: ${l.trim()}`);
    } else if (rows.length > 0) {
      const last = rows[rows.length - 1]!;
      last[4] = `${last[4]}\n${l.trim()}`;
    } else warnings.push(`kubectl describe: unparsed line: ${l.trim()}`);
  }
  flush();
  if (!sawEvents) warnings.push('kubectl describe: no "Events:" section');
  return { events, recognized: sawEvents, warnings };
}

/** A row whose cells overflow the header's columns: split on runs of 2+ spaces. */
function looseRow(l: string): string[] | null {
  const m = /^\s*(Normal|Warning)\s+(\S+)\s+(.+?)\s{2,}(.+?)\s{2,}(.*)$/.exec(l);
  return m ? [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!] : null;
}
