// Arranges and reads the simulated SCSI/dm-multipath state of a worker node (test/fleet/sim/multipath):
// the scenario-section types, the container settings the simulator needs, apply/read over docker exec.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostConfig } from 'dockerode';
import type { GenericContainer } from 'testcontainers';
import { parse as parseYaml } from 'yaml';
import type { Fleet, FleetNode } from './harness.js';

/** Image of a simulated worker (node + storage simulators). FLEETSWEEP_WORKER_IMAGE overrides it. */
export const WORKER_IMAGE = process.env['FLEETSWEEP_WORKER_IMAGE'] ?? 'fleetsweep-worker:test';

export type MapMode = 'healthy' | 'dead' | 'queueing';
/** What a read of the device does: return data, fail with EIO, or block until the reader is killed. */
export type DeviceIo = 'ok' | 'eio' | 'hang';

/** A SCSI disk (a path device, or a local disk). */
export interface ScsiDiskSpec {
  dev: string;
  hctl: string;
  wwid: string;
  /** SCSI inquiry strings, printed verbatim in `multipath -ll` headers ("HUAWEI  " keeps its padding) */
  vendor?: string;
  product?: string;
  rev?: string;
  /** "100G" or bytes; default 1G */
  size?: string | number;
  /** default: the kernel's sd numbering (sda 8:0, sdb 8:16, ...) */
  majmin?: string;
  /** device/state; `offline` makes the path `... offline` and its I/O fail */
  state?: 'running' | 'offline';
  /** default: from the map's mode (healthy: ok, dead/queueing: eio), else ok */
  io?: DeviceIo;
}

export interface MapPathSpec extends Partial<Omit<ScsiDiskSpec, 'dev' | 'wwid'>> {
  dev: string;
  /** DM path state; default from the map's mode (healthy: active, else failed) */
  dm?: 'active' | 'failed';
  /** checker state; default healthy: ready, else faulty ("i/o pending", "ghost", ... are allowed) */
  checker?: string;
}

export interface PathGroupSpec {
  /** default "service-time 0" */
  policy?: string;
  /** default 50 for a healthy map, -1 otherwise */
  prio?: number;
  /** default active for the first group, enabled for the others */
  status?: 'active' | 'enabled' | 'undef';
  paths: (string | MapPathSpec)[];
}

export interface MultipathMapSpec {
  name: string;
  wwid: string;
  /** the N of dm-N */
  dm: number;
  /** healthy (default): paths active ready, reads succeed; dead: paths failed faulty, reads fail with EIO;
   *  queueing: as dead but features '1 queue_if_no_path', so reads block until queueing is disabled */
  mode?: MapMode;
  /** defaults for the path disks this map creates (paths not listed under `disks`) */
  vendor?: string;
  product?: string;
  rev?: string;
  size?: string | number;
  /** default from the mode: '0' or '1 queue_if_no_path' */
  features?: string;
  hwhandler?: string;
  failback?: string;
  /** multipathd's queueing column in JSON; default on/off from features */
  queueing?: string;
  pathFaults?: number;
  /** one group holding these paths (shorthand for `groups`) */
  paths?: (string | MapPathSpec)[];
  groups?: PathGroupSpec[];
}

/** Another device-mapper device (LVM volume, ...) stacked on disks or maps: it makes them its slaves, and
 *  they get it as a holder (/sys/block/dm-12/holders/dm-13), which keeps a map in use. */
export interface DmSpec {
  name: string;
  dm: number;
  uuid?: string;
  /** map names, dm-N or sdX */
  slaves: string[];
  size?: string | number;
}

/** A LUN the array presents: what a host scan (echo "C T L" > .../scan) can find. */
export interface PresentedLunSpec extends Omit<ScsiDiskSpec, 'dev'> {
  /** the kernel name to take when free; default the lowest free sdX */
  dev?: string;
}

/** A filesystem mounted from a device: a FUSE stand-in of type fuse.ext4 whose source is `source`. */
export interface MountSpec {
  /** /dev/mapper/NAME, /dev/dm-N, /dev/sdX or a /dev/disk/by-id link */
  source: string;
  target: string;
}

/** A process (`sleep`) holding the device open on fd 3. */
export interface OpenerSpec {
  device: string;
}

/** The multipath section of a scenario (test/scenarios/multipath/seed.yml). */
export interface MultipathSpec {
  /** how a map shows a path whose disk was deleted: vanish (multipath-tools 0.9 with multipathd: the path
   *  leaves the map; a map left with no path prints `##,##` and no groups) or orphan (older tools:
   *  `#:#:#:# - #:# failed faulty running`). Default vanish. */
  deletedPaths?: 'vanish' | 'orphan';
  /** multipathd adds a rescanned path to its map, or re-creates the map (alias from the bindings, the
   *  lowest free dm-N). Default true. */
  autoMap?: boolean;
  disks?: ScsiDiskSpec[];
  maps?: MultipathMapSpec[];
  dms?: DmSpec[];
  /** SCSI hosts (host H for /sys/class/scsi_host/hostH); those of the disks are added */
  hosts?: (number | { host: number; procName?: string })[];
  /** default: every disk of the spec, as it is at apply time */
  presented?: PresentedLunSpec[];
  mounts?: MountSpec[];
  openers?: OpenerSpec[];
}

export interface SimPath {
  dev: string;
  majmin: string;
  hctl: string;
  dm: string;
  checker: string;
  /** the disk was deleted and the map still lists it (deletedPaths: orphan) */
  gone: boolean;
}

export interface SimMap {
  name: string;
  wwid: string;
  dm: number;
  features: string;
  hwhandler: string;
  size: number;
  failback: string;
  queueing: string | null;
  pathFaults: number;
  groups: { policy: string; prio: number; status: string; paths: SimPath[] }[];
}

export interface SimDisk extends Required<Omit<ScsiDiskSpec, 'size'>> {
  size: number;
}

export interface DeviceUse {
  /** what `dmsetup info` prints as Open count: open files + mounts + holders */
  open: number;
  handles: number;
  mounts: string[];
  holders: string[];
}

/** What readMultipath returns: the simulator's state plus, per kernel name (sdi, dm-12), its use and I/O. */
export interface MultipathSimState {
  disks: Record<string, SimDisk>;
  maps: Record<string, SimMap>;
  dms: Record<string, { name: string; dm: number; uuid: string; slaves: string[]; size: number }>;
  bindings: Record<string, { name: string; features: string; hwhandler: string; policy: string; prio: number }>;
  presented: (Omit<SimDisk, 'dev' | 'majmin'> & { dev: string | null; majmin: string | null })[];
  hosts: Record<string, { procName: string }>;
  deletedPaths: 'vanish' | 'orphan';
  autoMap: boolean;
  use: Record<string, DeviceUse>;
  io: Record<string, DeviceIo>;
  /** pids of the opener processes */
  openers: number[];
}

/** What a worker node needs for the simulator: FUSE and CAP_SYS_ADMIN (FUSE and bind mounts over
 *  /sys/block, /sys/class, /dev/mapper, /dev/disk/by-id inside the container). With
 *  FLEETSWEEP_MPSIM_DEV_DIR set, that working-tree test/fleet/sim/multipath replaces the image's copy. */
export function multipathNodeCustomize(c: GenericContainer): GenericContainer {
  // testcontainers has no device option; the HostConfig it passes to docker is the place for it.
  const hc = (c as unknown as { hostConfig: HostConfig }).hostConfig;
  if (!(hc.Devices ?? []).some((d: { PathInContainer?: string }) => d.PathInContainer === '/dev/fuse')) {
    hc.Devices = [...(hc.Devices ?? []), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }];
  }
  // docker's default AppArmor profile (where the host has AppArmor) forbids mount even with SYS_ADMIN
  if (!(hc.SecurityOpt ?? []).includes('apparmor=unconfined')) hc.SecurityOpt = [...(hc.SecurityOpt ?? []), 'apparmor=unconfined'];
  const dev = process.env['FLEETSWEEP_MPSIM_DEV_DIR'];
  if (dev) hc.Binds = [...(hc.Binds ?? []), `${dev}:/opt/fleetsweep-sim/multipath:ro`];
  return c.withAddedCapabilities('SYS_ADMIN');
}

/** Starts the node's simulator if it is not running (idempotent; the image's start hook may have). */
export async function startMultipathSim(fleet: Fleet, node: FleetNode): Promise<void> {
  const r = await fleet.exec(node, 'PYTHONDONTWRITEBYTECODE=1 fsim-start');
  if (r.exitCode !== 0) throw new Error(`${node.name}: fsim-start failed (${r.exitCode}): ${r.output.trim()}`);
}

/** Replaces the node's simulated SCSI/multipath state with `spec` (mounts and openers included). */
export async function applyMultipath(fleet: Fleet, node: FleetNode, spec: MultipathSpec): Promise<void> {
  await startMultipathSim(fleet, node);
  const b64 = Buffer.from(JSON.stringify(spec)).toString('base64');
  const r = await fleet.exec(node, `printf %s '${b64}' | base64 -d | fsimctl apply`);
  if (r.exitCode !== 0) throw new Error(`${node.name}: fsimctl apply failed (${r.exitCode}): ${r.output.trim()}`);
}

export async function readMultipath(fleet: Fleet, node: FleetNode): Promise<MultipathSimState> {
  const r = await fleet.exec(node, 'fsimctl get');
  if (r.exitCode !== 0) throw new Error(`${node.name}: fsimctl get failed (${r.exitCode}): ${r.output.trim()}`);
  const got = JSON.parse(r.stdout) as { state: Omit<MultipathSimState, 'use' | 'io' | 'openers'> } & Pick<MultipathSimState, 'use' | 'io' | 'openers'>;
  return { ...got.state, use: got.use, io: got.io, openers: got.openers };
}

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above multipath-sim');
    dir = up;
  }
  return dir;
}

export const SCENARIOS_DIR = join(repoRoot(), 'test', 'scenarios');

/** A scenario file's multipath section (the `multipath:` key, or the whole document). */
export function loadMultipathSpec(file = join(SCENARIOS_DIR, 'multipath', 'seed.yml')): MultipathSpec {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { multipath?: MultipathSpec } & MultipathSpec;
  return doc.multipath ?? doc;
}
