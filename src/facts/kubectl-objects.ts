// Facts from `kubectl get pv|pods|volumeattachments -o json`: which RBD image backs a PV, which pods
// use which claims and wait in ContainerCreating, and which node a volume is attached to.
// Each function takes the JSON text or an already parsed object. Never throws.
import { extractJson, isRecord, str, type JsonRecord } from './text.js';
import { Problems, isCephName, isK8sName, isK8sNamespace } from './validate.js';

export const KUBECTL_PV_ARGV: readonly string[] = ['kubectl', 'get', 'pv', '-o', 'json'];
export const KUBECTL_PODS_ARGV: readonly string[] = ['kubectl', 'get', 'pods', '-A', '-o', 'json'];
export const KUBECTL_VOLUMEATTACHMENTS_ARGV: readonly string[] = ['kubectl', 'get', 'volumeattachments', '-o', 'json'];

export interface PvFact {
  name: string | null;
  /** spec.claimRef */
  claim: { namespace: string | null; name: string | null } | null;
  /** `rbd` (in-tree spec.rbd), `csi` (spec.csi, see csiDriver), or the name of another volume source (`nfs`, `local`...) */
  driver: string | null;
  pool: string | null;
  image: string | null;
  fsType: string | null;
  /** in-tree rbd only; ceph-csi PVs name a clusterID instead */
  monitors: string[] | null;
  /** spec.csi.driver, e.g. rbd.csi.ceph.com */
  csiDriver: string | null;
  /** RADOS namespace (ceph-csi `radosNamespace`); null for the default namespace */
  radosNamespace: string | null;
  volumeHandle: string | null;
  clusterID: string | null;
  phase: string | null;
  /** an RBD-backed PV: pool and image are both known */
  isRbd: boolean;
  /** name, claim, pool, image and namespace passed validation */
  valid: boolean;
  reason: string | null;
}

export interface PodFact {
  namespace: string | null;
  name: string | null;
  node: string | null;
  phase: string | null;
  /** a container or init container waits with reason ContainerCreating */
  containerCreating: boolean;
  /** claims the pod mounts (persistentVolumeClaim volumes, and `<pod>-<volume>` for generic ephemeral volumes) */
  pvcs: string[];
  valid: boolean;
  reason: string | null;
}

export interface VolumeAttachmentFact {
  name: string | null;
  pv: string | null;
  node: string | null;
  attached: boolean;
  attacher: string | null;
  valid: boolean;
  reason: string | null;
}

/** The JSON value of `input` (text is parsed; objects pass through); undefined when unreadable. */
function toValue(input: unknown): unknown {
  return typeof input === 'string' ? extractJson(input).value : input;
}

/** The items of a List, or the object itself as a one-item list. */
function items(input: unknown): JsonRecord[] {
  const v = toValue(input);
  if (Array.isArray(v)) return v.filter(isRecord);
  if (!isRecord(v)) return [];
  return Array.isArray(v['items']) ? v['items'].filter(isRecord) : [v];
}

function rec(v: unknown): JsonRecord {
  return isRecord(v) ? v : {};
}

function finish<T extends object>(fact: T, p: Problems): T & { valid: boolean; reason: string | null } {
  return { ...fact, valid: p.list.length === 0, reason: p.list.length ? p.list.join('; ') : null };
}

const NOT_SOURCES = new Set([
  'accessModes', 'capacity', 'claimRef', 'mountOptions', 'nodeAffinity', 'persistentVolumeReclaimPolicy',
  'storageClassName', 'volumeMode', 'volumeAttributesClassName',
]);

/** One PersistentVolume (`kubectl get pv NAME -o json`; a List of exactly one is accepted too). */
export function parsePv(json: unknown): PvFact {
  const list = items(json);
  const pv = list.length === 1 ? list[0]! : {};
  const fact = pvFact(pv);
  if (list.length !== 1) {
    return { ...fact, valid: false, reason: list.length === 0 ? 'no PersistentVolume found' : `${list.length} objects, expected one PersistentVolume` };
  }
  return fact;
}

/** Every PersistentVolume of `kubectl get pv -o json`. */
export function parsePvs(json: unknown): PvFact[] {
  return items(json).map(pvFact);
}

function pvFact(pv: JsonRecord): PvFact {
  const meta = rec(pv['metadata']);
  const spec = rec(pv['spec']);
  const p = new Problems();
  if (pv['kind'] !== undefined && pv['kind'] !== 'PersistentVolume') p.add(`kind ${JSON.stringify(pv['kind'])} is not PersistentVolume`);
  const name = str(meta['name']);
  if (name === null) p.add('name is missing');
  p.check('name', name, isK8sName, 'a Kubernetes object name');
  const claimRef = isRecord(spec['claimRef']) ? spec['claimRef'] : null;
  const claim = claimRef ? { namespace: str(claimRef['namespace']), name: str(claimRef['name']) } : null;
  p.check('claim namespace', claim?.namespace, isK8sNamespace, 'a Kubernetes namespace');
  p.check('claim name', claim?.name, isK8sName, 'a Kubernetes object name');

  let driver: string | null = null;
  let pool: string | null = null;
  let image: string | null = null;
  let fsType: string | null = null;
  let monitors: string[] | null = null;
  let csiDriver: string | null = null;
  let radosNamespace: string | null = null;
  let volumeHandle: string | null = null;
  let clusterID: string | null = null;
  if (isRecord(spec['rbd'])) {
    const rbd = spec['rbd'];
    driver = 'rbd';
    pool = str(rbd['pool']);
    image = str(rbd['image']);
    fsType = str(rbd['fsType']);
    monitors = Array.isArray(rbd['monitors']) ? rbd['monitors'].filter((m): m is string => typeof m === 'string') : null;
  } else if (isRecord(spec['csi'])) {
    const csi = spec['csi'];
    const attrs = rec(csi['volumeAttributes']);
    driver = 'csi';
    csiDriver = str(csi['driver']);
    fsType = str(csi['fsType']);
    volumeHandle = str(csi['volumeHandle']);
    clusterID = str(attrs['clusterID']);
    // ceph-csi drivers are named rbd.csi.ceph.com, often with an operator prefix (rook-ceph.rbd.csi.ceph.com)
    if (csiDriver !== null && /(^|\.)rbd\.csi\.ceph\.com$/.test(csiDriver)) {
      pool = str(attrs['pool']);
      image = str(attrs['imageName']);
      radosNamespace = str(attrs['radosNamespace']);
    }
  } else {
    driver = Object.keys(spec).find((k) => !NOT_SOURCES.has(k) && isRecord(spec[k])) ?? null;
  }
  p.check('pool', pool, isCephName, 'a safe pool name');
  p.check('image', image, isCephName, 'a safe image name');
  p.check('rados namespace', radosNamespace, isCephName, 'a safe namespace name');
  return finish({
    name, claim, driver, pool, image, fsType, monitors, csiDriver, radosNamespace, volumeHandle, clusterID,
    phase: str(rec(pv['status'])['phase']), isRbd: pool !== null && image !== null,
  }, p);
}

/** `kubectl get pods -A -o json` (or one pod). */
export function parsePods(json: unknown): PodFact[] {
  return items(json).map((pod) => {
    const meta = rec(pod['metadata']);
    const spec = rec(pod['spec']);
    const status = rec(pod['status']);
    const name = str(meta['name']);
    const namespace = str(meta['namespace']);
    const pvcs: string[] = [];
    for (const v of Array.isArray(spec['volumes']) ? spec['volumes'] : []) {
      if (!isRecord(v)) continue;
      const claim = str(rec(v['persistentVolumeClaim'])['claimName']);
      if (claim !== null) pvcs.push(claim);
      else if (isRecord(v['ephemeral']) && name !== null && str(v['name']) !== null) pvcs.push(`${name}-${str(v['name'])}`);
    }
    const statuses = [status['containerStatuses'], status['initContainerStatuses']].flatMap((s) => (Array.isArray(s) ? s : []));
    const containerCreating = statuses.some((c) => str(rec(rec(rec(c)['state'])['waiting'])['reason']) === 'ContainerCreating');
    const p = new Problems();
    p.check('name', name, isK8sName, 'a Kubernetes object name');
    p.check('namespace', namespace, isK8sNamespace, 'a Kubernetes namespace');
    const node = str(spec['nodeName']);
    p.check('node', node, isK8sName, 'a Kubernetes node name');
    for (const c of pvcs) p.check('claim', c, isK8sName, 'a Kubernetes object name');
    return finish({ namespace, name, node, phase: str(status['phase']), containerCreating, pvcs }, p);
  });
}

/** `kubectl get volumeattachments -o json` (storage.k8s.io/v1). */
export function parseVolumeAttachments(json: unknown): VolumeAttachmentFact[] {
  return items(json).map((va) => {
    const spec = rec(va['spec']);
    const name = str(rec(va['metadata'])['name']);
    const pv = str(rec(spec['source'])['persistentVolumeName']);
    const node = str(spec['nodeName']);
    const p = new Problems();
    p.check('name', name, isK8sName, 'a Kubernetes object name');
    p.check('pv', pv, isK8sName, 'a Kubernetes object name');
    p.check('node', node, isK8sName, 'a Kubernetes node name');
    return finish({ name, pv, node, attached: rec(va['status'])['attached'] === true, attacher: str(spec['attacher']) }, p);
  });
}
