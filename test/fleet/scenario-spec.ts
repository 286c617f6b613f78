// Scenario files (test/scenarios/*.yml): parsing, checks, and the Kubernetes cluster state the
// kubectl stand-in serves. Starting the containers is scenario.ts's job. Format: test/README.md.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const SCENARIO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/scenarios');

export interface ScenarioNode {
  name: string;
  role: 'worker' | 'control';
  /** sshd address; the nodes' addresses must be consecutive in file order (one fleet) */
  ssh: string;
  /** storage-network addresses; librados clients of the node bind the first one */
  storage: string[];
}

export interface ScenarioImage {
  pool: string;
  name: string;
  /** rbd create --size, e.g. 256M */
  size: string;
  /** ext4: mkfs.ext4 -d <seed tree> (fleetsweep-sim-fs mkfs); none: raw */
  fs: 'ext4' | 'none';
  /** the debugfs recipe of shared/guides/rbd-fuse.md section 3 */
  corrupt: boolean;
  /** nodes holding a mapping (and so a watch); `device` picks /dev/rbdN */
  mappedOn: { node: string; device?: number }[];
}

export interface ScenarioPv {
  name: string;
  driver: 'rbd' | 'csi';
  pool: string;
  image: string;
  /** namespace/name of the bound claim */
  claim: string;
  size: string;
  /** nodes the volume counts as attached to (VolumeAttachment for csi, node.status.volumesAttached for rbd) */
  attachedTo: string[];
}

export interface ScenarioPod {
  name: string;
  namespace: string;
  node: string;
  /** Pending: waiting in ContainerCreating; Running: its volumes get mounted on its node at start */
  phase: 'Pending' | 'Running';
  claims: string[];
  image: string;
}

export interface ScenarioEvent {
  pod: string;
  type: 'Normal' | 'Warning';
  reason: string;
  from: string;
  message: string;
  age: string;
  count: number;
  firstAge?: string;
}

export interface Scenario {
  name: string;
  file: string;
  description: string;
  nodes: ScenarioNode[];
  ceph?: { address: string; pools: string[]; images: ScenarioImage[] };
  kubernetes: {
    nodes: { name: string; ready: boolean }[];
    pvs: ScenarioPv[];
    pods: ScenarioPod[];
    events: ScenarioEvent[];
  };
  /** per node name: the multipath simulator's section (test/fleet/multipath-sim.ts) */
  multipath: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

export function scenarioPath(nameOrPath: string): string {
  if (nameOrPath.includes('/')) return path.resolve(nameOrPath);
  return path.join(SCENARIO_DIR, nameOrPath.endsWith('.yml') ? nameOrPath : `${nameOrPath}.yml`);
}

/** Reads and checks a scenario; every problem is reported at once. */
export function loadScenario(nameOrPath: string): Scenario {
  const file = scenarioPath(nameOrPath);
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Obj;
  const problems: string[] = [];
  const p = (msg: string): void => void problems.push(msg);
  const list = (v: unknown, where: string): Obj[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return (p(`${where}: not a list`), []);
    return v.filter((x, i) => (typeof x === 'object' && x !== null) || (p(`${where}[${i}]: not a mapping`), false)) as Obj[];
  };
  const str = (o: Obj, k: string, where: string, dflt?: string): string => {
    const v = o[k];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string' && typeof v !== 'number') return (p(`${where}.${k}: required string`), '');
    return String(v);
  };
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const ip = (a: string, where: string): string => (/^127\.\d+\.\d+\.\d+$/.test(a) ? a : (p(`${where}: ${a} is not in 127.0.0.0/8`), a));

  const nodes: ScenarioNode[] = list(doc['nodes'], 'nodes').map((n, i) => {
    const w = `nodes[${i}]`;
    const role = str(n, 'role', w, 'worker');
    if (role !== 'worker' && role !== 'control') p(`${w}.role: worker or control`);
    return { name: str(n, 'name', w), role: role as 'worker' | 'control', ssh: ip(str(n, 'ssh', w), `${w}.ssh`), storage: strs(n['storage']).map((a) => ip(a, `${w}.storage`)) };
  });
  if (nodes.length === 0) p('nodes: at least one node');
  const names = new Set(nodes.map((n) => n.name));
  const known = (n: string, where: string): string => (names.has(n) ? n : (p(`${where}: unknown node ${n}`), n));
  nodes.forEach((n, i) => {
    const prev = nodes[i - 1];
    if (prev && addrNum(n.ssh) !== addrNum(prev.ssh) + 1) p(`nodes[${i}].ssh: ${n.ssh} must follow ${prev.ssh} (one fleet, consecutive addresses)`);
  });

  let ceph: Scenario['ceph'];
  if (doc['ceph'] !== undefined) {
    const c = doc['ceph'] as Obj;
    const images = list(c['images'], 'ceph.images').map((im, i) => {
      const w = `ceph.images[${i}]`;
      const fs = str(im, 'fs', w, 'none');
      if (fs !== 'ext4' && fs !== 'none') p(`${w}.fs: ext4 or none`);
      const corrupt = im['corrupt'] === true;
      if (corrupt && fs !== 'ext4') p(`${w}.corrupt: needs fs: ext4`);
      return {
        pool: str(im, 'pool', w, 'rbd'), name: str(im, 'name', w), size: str(im, 'size', w, '256M'), fs: fs as 'ext4' | 'none', corrupt,
        mappedOn: list(im['mappedOn'], `${w}.mappedOn`).map((m, j) => ({
          node: known(str(m, 'node', `${w}.mappedOn[${j}]`), `${w}.mappedOn[${j}]`),
          ...(m['device'] !== undefined ? { device: Number(m['device']) } : {}),
        })),
      };
    });
    const pools = strs(c['pools']);
    for (const im of images) if (!pools.includes(im.pool)) p(`ceph.images: pool ${im.pool} of ${im.name} is not in ceph.pools`);
    ceph = { address: ip(str(c, 'address', 'ceph'), 'ceph.address'), pools, images };
  }

  const k = (doc['kubernetes'] ?? {}) as Obj;
  const kubernetes: Scenario['kubernetes'] = {
    nodes: list(k['nodes'], 'kubernetes.nodes').map((n, i) => ({ name: known(str(n, 'name', `kubernetes.nodes[${i}]`), `kubernetes.nodes[${i}]`), ready: n['ready'] !== false })),
    pvs: list(k['pvs'], 'kubernetes.pvs').map((v, i) => {
      const w = `kubernetes.pvs[${i}]`;
      const driver = str(v, 'driver', w, 'rbd');
      if (driver !== 'rbd' && driver !== 'csi') p(`${w}.driver: rbd (in-tree) or csi (rbd.csi.ceph.com)`);
      const claim = str(v, 'claim', w);
      if (!claim.includes('/')) p(`${w}.claim: namespace/name`);
      return {
        name: str(v, 'name', w), driver: driver as 'rbd' | 'csi', pool: str(v, 'pool', w, 'rbd'), image: str(v, 'image', w), claim,
        size: str(v, 'size', w, '1Gi'), attachedTo: strs(v['attachedTo']).map((n) => known(n, `${w}.attachedTo`)),
      };
    }),
    pods: list(k['pods'], 'kubernetes.pods').map((o, i) => {
      const w = `kubernetes.pods[${i}]`;
      const phase = str(o, 'phase', w, 'Pending');
      if (phase !== 'Pending' && phase !== 'Running') p(`${w}.phase: Pending or Running`);
      return {
        name: str(o, 'name', w), namespace: str(o, 'namespace', w, 'default'), node: known(str(o, 'node', w), `${w}.node`),
        phase: phase as 'Pending' | 'Running', claims: strs(o['claims']), image: str(o, 'image', w, 'registry.local/app:1.0'),
      };
    }),
    events: list(k['events'], 'kubernetes.events').map((e, i) => {
      const w = `kubernetes.events[${i}]`;
      return {
        pod: str(e, 'pod', w), type: str(e, 'type', w, 'Warning') as 'Normal' | 'Warning', reason: str(e, 'reason', w),
        from: str(e, 'from', w), message: str(e, 'message', w).replace(/\n$/, ''), age: str(e, 'age', w, '1m'),
        count: Number(e['count'] ?? 1), ...(e['firstAge'] !== undefined ? { firstAge: String(e['firstAge']) } : {}),
      };
    }),
  };
  for (const pod of kubernetes.pods) {
    for (const c of pod.claims) {
      if (!kubernetes.pvs.some((v) => v.claim === `${pod.namespace}/${c}`)) p(`kubernetes.pods ${pod.name}: no pv has claim ${pod.namespace}/${c}`);
    }
  }
  for (const v of kubernetes.pvs) {
    if (ceph && !ceph.images.some((im) => im.pool === v.pool && im.name === v.image)) p(`kubernetes.pvs ${v.name}: image ${v.pool}/${v.image} is not in ceph.images`);
  }
  const multipath = (doc['multipath'] ?? {}) as Record<string, unknown>;
  for (const n of Object.keys(multipath)) known(n, `multipath.${n}`);

  if (problems.length > 0) throw new Error(`${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return { name: path.basename(file, '.yml'), file, description: String(doc['description'] ?? ''), nodes, ...(ceph ? { ceph } : {}), kubernetes, multipath };
}

function addrNum(a: string): number {
  return a.split('.').reduce((n, x) => n * 256 + Number(x), 0);
}

/** "90s" / "12m" / "3h" / "2d" -> seconds */
export function ageSeconds(age: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(age.trim());
  if (!m) throw new Error(`scenario: bad age ${JSON.stringify(age)} (like 90s, 12m, 3h, 2d)`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

const iso = (t: number): string => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The cluster state (state.json) for the kubectl stand-in: real-shaped Kubernetes objects. */
export function kubeState(s: Scenario, now = Date.now()): Obj {
  const created = iso(now - 86400_000);
  const kubeNodes = s.nodes.map((n) => {
    const ready = s.kubernetes.nodes.find((k) => k.name === n.name)?.ready ?? true;
    const attached = s.kubernetes.pvs.filter((v) => v.driver === 'rbd' && v.attachedTo.includes(n.name))
      .map((v) => ({ name: `kubernetes.io/rbd/${v.pool}:${v.image}`, devicePath: '' }));
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name: n.name, uid: randomUUID(), creationTimestamp: created,
        labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...(n.role === 'control' ? { 'node-role.kubernetes.io/control-plane': '' } : {}) },
      },
      spec: n.role === 'control' ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
      status: {
        addresses: [{ type: 'InternalIP', address: n.storage[0] ?? n.ssh }, { type: 'Hostname', address: n.name }],
        conditions: [{
          type: 'Ready', status: ready ? 'True' : 'Unknown', reason: ready ? 'KubeletReady' : 'NodeStatusUnknown',
          message: ready ? 'kubelet is posting ready status' : 'Kubelet stopped posting node status.', lastTransitionTime: created,
        }],
        nodeInfo: { kubeletVersion: 'v1.27.16', osImage: 'Debian GNU/Linux 12 (bookworm)' },
        ...(attached.length ? { volumesAttached: attached, volumesInUse: attached.map((a) => a.name) } : {}),
      },
    };
  });
  const pvs = s.kubernetes.pvs.map((v) => {
    const [ns, claim] = v.claim.split('/') as [string, string];
    const source = v.driver === 'rbd'
      ? { rbd: { image: v.image, pool: v.pool, monitors: s.ceph ? [`${s.ceph.address}:6789`] : [], keyring: '/etc/ceph/keyring', user: 'admin', secretRef: { name: 'ceph-secret' } } }
      : { csi: { driver: 'rbd.csi.ceph.com', fsType: 'ext4', volumeHandle: `0001-0024-fleetsweep-sim-0000000000000005-${v.image.replace(/^csi-vol-/, '')}`, volumeAttributes: { clusterID: 'fleetsweep-sim', imageFeatures: 'layering', imageName: v.image, journalPool: v.pool, pool: v.pool } } };
    return {
      apiVersion: 'v1', kind: 'PersistentVolume',
      metadata: {
        name: v.name, uid: randomUUID(), creationTimestamp: created, finalizers: ['kubernetes.io/pv-protection'],
        annotations: { 'pv.kubernetes.io/provisioned-by': v.driver === 'rbd' ? 'kubernetes.io/rbd' : 'rbd.csi.ceph.com' },
      },
      spec: {
        accessModes: ['ReadWriteOnce'], capacity: { storage: v.size }, claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: claim, namespace: ns },
        persistentVolumeReclaimPolicy: 'Delete', storageClassName: v.driver === 'rbd' ? 'rbd' : 'ceph-csi-rbd', volumeMode: 'Filesystem', ...source,
      },
      status: { phase: 'Bound' },
    };
  });
  const pvcs = s.kubernetes.pvs.map((v) => {
    const [ns, claim] = v.claim.split('/') as [string, string];
    return {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: claim, namespace: ns, uid: randomUUID(), creationTimestamp: created },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: v.size } }, storageClassName: v.driver === 'rbd' ? 'rbd' : 'ceph-csi-rbd', volumeMode: 'Filesystem', volumeName: v.name },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: v.size } },
    };
  });
  const pods = s.kubernetes.pods.map((p) => {
    const node = s.nodes.find((n) => n.name === p.node)!;
    const start = iso(now - 15 * 60_000);
    const running = p.phase === 'Running';
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, uid: randomUUID(), creationTimestamp: start, labels: { app: p.name.replace(/-\d+$/, '') } },
      spec: {
        nodeName: p.node, serviceAccountName: 'default',
        containers: [{ name: 'app', image: p.image, volumeMounts: p.claims.map((c) => ({ name: c, mountPath: `/data/${c}` })) }],
        volumes: p.claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
      },
      status: {
        phase: p.phase, hostIP: node.storage[0] ?? node.ssh, startTime: start,
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: start }, ...(running ? ['Initialized', 'Ready', 'ContainersReady'].map((type) => ({ type, status: 'True', lastTransitionTime: start })) : [])],
        containerStatuses: [{
          name: 'app', image: p.image, ready: running, restartCount: 0, started: running,
          state: running ? { running: { startedAt: start } } : { waiting: { reason: 'ContainerCreating' } },
        }],
      },
    };
  });
  const events = s.kubernetes.events.map((e) => {
    const [ns, name] = e.pod.includes('/') ? (e.pod.split('/') as [string, string]) : ['default', e.pod];
    const pod = pods.find((p) => p.metadata.name === name && p.metadata.namespace === ns);
    const last = iso(now - ageSeconds(e.age) * 1000);
    const first = iso(now - ageSeconds(e.firstAge ?? e.age) * 1000);
    const [component, host] = e.from.split(/,\s*/) as [string, string | undefined];
    return {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: `${name}.${randomUUID().replace(/-/g, '').slice(0, 16)}`, namespace: ns, creationTimestamp: first },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace: ns, ...(pod ? { uid: pod.metadata.uid } : {}) },
      type: e.type, reason: e.reason, message: e.message, source: { component, ...(host ? { host } : {}) },
      count: e.count, firstTimestamp: first, lastTimestamp: last, reportingComponent: '', reportingInstance: '',
    };
  });
  const volumeattachments = s.kubernetes.pvs.filter((v) => v.driver === 'csi').flatMap((v) => v.attachedTo.map((n) => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment',
    metadata: { name: `csi-${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`, creationTimestamp: created },
    spec: { attacher: 'rbd.csi.ceph.com', nodeName: n, source: { persistentVolumeName: v.name } },
    status: { attached: true },
  })));
  return { nodes: kubeNodes, persistentvolumes: pvs, persistentvolumeclaims: pvcs, pods, events, volumeattachments };
}
