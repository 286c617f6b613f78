// Strict allow-list validators for every parsed value that later code may put on a command line.
//
// Invariant: a parser marks an entry `valid: true` only when every identifier in it passed the
// matching validator here. The rules are deliberately narrower than what the kernel, Ceph or
// Kubernetes accept: a name outside them is reported invalid and left for a human, never guessed at.
import { isIPv4, isIPv6 } from 'node:net';

/** SCSI disk names as multipath prints them: sda .. sdzzzz. Partitions and other block devices are not paths. */
export function isDeviceName(s: unknown): s is string {
  return typeof s === 'string' && /^sd[a-z]{1,4}$/.test(s);
}

/** Device-mapper kernel names: dm-0 .. dm-999999. */
export function isDmName(s: unknown): s is string {
  return typeof s === 'string' && /^dm-\d{1,6}$/.test(s);
}

/**
 * multipath map names (aliases, user_friendly_names, or the WWID itself): letters, digits and
 * `_ . : + -`, at most 128, no leading `-` (it would read as an option), not only dots
 * (`/dev/mapper/..`).
 */
export function isMapName(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_.:+][A-Za-z0-9_.:+-]{0,127}$/.test(s) && !/^\.+$/.test(s);
}

/**
 * WWIDs as multipath prints them: NAA/EUI/T10 ids (`3600...`, `2...`, `1ATA_...`), NVMe (`eui.`, `nvme.`,
 * `uuid.`). Starts with a letter or digit; at most 128 (multipath's WWID_SIZE).
 */
export function isWwid(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,127}$/.test(s);
}

/** SCSI address host:channel:target:lun (LUNs can be 64-bit). */
export function isHctl(s: unknown): s is string {
  return typeof s === 'string' && /^\d{1,10}:\d{1,10}:\d{1,10}:\d{1,20}$/.test(s);
}

/** Device number major:minor. */
export function isMajMin(s: unknown): s is string {
  return typeof s === 'string' && /^\d{1,10}:\d{1,10}$/.test(s);
}

/** Kernel RBD device nodes: /dev/rbd0 .. /dev/rbd999999 (not partitions, not /dev/rbd/POOL/IMAGE links, not nbd). */
export function isRbdDevice(s: unknown): s is string {
  return typeof s === 'string' && /^\/dev\/rbd\d{1,6}$/.test(s);
}

/**
 * Ceph pool, RADOS namespace, RBD image and snapshot names. Ceph itself accepts almost anything
 * (only `/` and `@` are structurally forbidden in image names); we accept only letters, digits and
 * `_ . -`, at most 255, not starting with `-` (option injection), not only dots. That covers what
 * Kubernetes provisioners create (`kubernetes-dynamic-pvc-UUID`, `csi-vol-UUID`, `csi-snap-UUID`)
 * and the usual pool names (`kube`, `rbd`, `replicapool`, `.mgr`). Everything else (spaces, control
 * characters, `/`, `@`, `$`, `;`, quotes, backticks, globs...) is rejected.
 */
export function isCephName(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$/.test(s) && !/^\.+$/.test(s);
}
export const isRbdPoolName = isCephName;
export const isRbdImageName = isCephName;
export const isRbdNamespace = isCephName;
export const isRbdSnapName = isCephName;

/** `client.4132`: a Ceph client entity name as rbd status and rbd lock ls print it. */
export function isCephClient(s: unknown): s is string {
  return typeof s === 'string' && /^client\.\d{1,20}$/.test(s);
}

/** Unsigned 64-bit decimal (watch cookies, ids), as a string to keep precision. */
export function isDecimalU64(s: unknown): s is string {
  return typeof s === 'string' && /^\d{1,20}$/.test(s) && (s.length < 20 || s <= '18446744073709551615');
}

/** Dotted-quad IPv4 without leading zeros (some tools read `010` as octal). */
export function isIPv4Address(s: unknown): s is string {
  return typeof s === 'string' && isIPv4(s) && s.split('.').every((o) => o === '0' || !o.startsWith('0'));
}

/** IPv6 without a zone id (`%eth0` is rejected: zones are host-local and not printed by Ceph). */
export function isIPv6Address(s: unknown): s is string {
  return typeof s === 'string' && !s.includes('%') && isIPv6(s);
}

export function isIpAddress(s: unknown): s is string {
  return isIPv4Address(s) || isIPv6Address(s);
}

/** A Ceph entity address split into parts; `type` is the messenger prefix (`v1:`, `v2:`, `any:`) when printed. */
export interface CephAddress {
  ip: string;
  port: number | null;
  nonce: number | null;
  type: 'v1' | 'v2' | 'any' | null;
}

/**
 * Parses a Ceph entity address as `rbd status`, `rbd lock ls` and `ceph osd blocklist` print it:
 * `IP`, `IP:PORT`, `IP:PORT/NONCE`, IPv6 as `[V6]:PORT/NONCE` (a bare V6 without port too), with
 * an optional `v1:`/`v2:`/`any:` prefix. Returns null for anything else (garbage, hostnames,
 * CIDR ranges, out-of-range port or nonce).
 */
export function parseCephAddress(s: unknown): CephAddress | null {
  if (typeof s !== 'string' || s.length > 80) return null;
  let rest = s;
  let type: CephAddress['type'] = null;
  const pre = /^(v1|v2|any):(?=[\d[])/.exec(rest);
  if (pre) {
    type = pre[1] as CephAddress['type'];
    rest = rest.slice(pre[0].length);
  }
  let ip: string;
  let tail: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return null;
    ip = rest.slice(1, close);
    tail = rest.slice(close + 1);
    if (!isIPv6Address(ip)) return null;
    if (tail === '') return { ip, port: null, nonce: null, type };
  } else if (isIPv6Address(rest)) {
    return { ip: rest, port: null, nonce: null, type };
  } else {
    const m = /^([0-9.]+)(.*)$/.exec(rest);
    if (!m) return null;
    ip = m[1]!;
    tail = m[2]!;
    if (!isIPv4Address(ip)) return null;
    if (tail === '') return { ip, port: null, nonce: null, type };
  }
  const pn = /^:(\d{1,5})(?:\/(\d{1,10}))?$/.exec(tail);
  if (!pn) return null;
  const port = Number(pn[1]);
  const nonce = pn[2] === undefined ? null : Number(pn[2]);
  if (port > 65535 || (nonce !== null && nonce > 0xffffffff)) return null;
  return { ip, port, nonce, type };
}

/** True for a Ceph entity address that `parseCephAddress` accepts. */
export function isCephAddress(s: unknown): s is string {
  return parseCephAddress(s) !== null;
}

/** Kubernetes object names (DNS-1123 subdomain): PVs, pods, VolumeAttachments. */
export function isK8sName(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s);
}

/** Kubernetes namespaces and node-local label values (DNS-1123 label). */
export function isK8sNamespace(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/**
 * Collects "field X is not a Y" problems for an entry; a null value is "missing", not a problem.
 * The offending value is JSON-quoted so control characters stay visible in reports.
 */
export class Problems {
  readonly list: string[] = [];
  check(field: string, value: string | null | undefined, ok: (s: string) => boolean, what: string): void {
    if (value === null || value === undefined) return;
    if (!ok(value)) this.list.push(`${field} ${JSON.stringify(value)} is not ${what}`);
  }
  add(problem: string): void {
    this.list.push(problem);
  }
}
