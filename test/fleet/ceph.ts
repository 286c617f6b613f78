// Ceph micro cluster for fleet tests (1 mon, 1 mgr, 1 memstore osd in one host-network container
// of fleetsweep-ceph:test on its own 127.x address), and the customize hook that turns a fleet node
// into an rbd client of it (FUSE, the shared /etc/ceph, the bind-source shim for its storage address).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import type { StartedTestContainer } from 'testcontainers';
import type { ExecResult } from './harness.js';

// Same environment fix-ups as the harness (no Ryuk image, no docker0 gateway); see harness.ts.
process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
process.env['TESTCONTAINERS_HOST_OVERRIDE'] ??= 'localhost';

export const CEPH_IMAGE = 'fleetsweep-ceph:test';
export const WORKER_IMAGE = 'fleetsweep-worker:test';
const READY_LINE = /CEPH-MICRO READY/;
const READY_TIMEOUT_MS = 180_000;
/** mon v2 and v1 ports; a leftover cluster on the address would make the new mon die on bind */
const MON_PORTS = [3300, 6789];

export interface CephOptions {
  /** where mon, mgr and osd listen. Default 127.0.10.1; give every test file its own */
  address?: string;
  /** pools to create and `rbd pool init`. Default ["rbd"] */
  pools?: string[];
  /** container name fs-<prefix>-<pid>-ceph. Default "ceph" */
  namePrefix?: string;
  /** wait for HEALTH_OK with all PGs active+clean (6-14 s) instead of "rbd usable" (2-5 s) */
  waitHealthy?: boolean;
}

export interface CephCluster {
  address: string;
  /** host dir shared as /etc/ceph: ceph.conf and ceph.client.admin.keyring (mode 0644) */
  etcDir: string;
  /** host file to bind-mount as /etc/resolv.conf (nameserver 127.0.0.1): the DNS guard */
  resolvPath: string;
  container: StartedTestContainer;
  /** ms from container create to "CEPH-MICRO READY" */
  startMs: number;
  /** `sh -c cmd` in the cluster container, as the admin client */
  exec(cmd: string): Promise<ExecResult>;
  /** Removes the container and the tmp dir. Idempotent. */
  close(): Promise<void>;
}

const live = new Map<string, { id?: string; dir: string }>();

export async function startCeph(opts: CephOptions = {}): Promise<CephCluster> {
  const address = opts.address ?? '127.0.10.1';
  if (!/^127\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`ceph: ${address} is not in 127.0.0.0/8`);
  const pools = opts.pools ?? ['rbd'];
  for (const p of pools) if (!/^[A-Za-z0-9_.-]+$/.test(p)) throw new Error(`ceph: bad pool name ${JSON.stringify(p)}`);
  const taken = (await Promise.all(MON_PORTS.map((p) => portOpen(address, p)))).some(Boolean);
  if (taken) throw new Error(`ceph: ${address} port 3300/6789 already taken (leftover cluster? docker ps -a --filter name=fs-)`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'fleetsweep-ceph-'));
  const etcDir = path.join(dir, 'etc');
  const resolvPath = path.join(dir, 'resolv.conf');
  const key = `${opts.namePrefix ?? 'ceph'}-${process.pid}-${address}`;
  const entry: { id?: string; dir: string } = { dir };
  live.set(key, entry);
  installExitCleanup();
  const release = (): void => {
    live.delete(key);
    rmSync(dir, { recursive: true, force: true });
  };

  const logTail: string[] = [];
  let container: StartedTestContainer;
  const t0 = Date.now();
  try {
    spawnSync('mkdir', ['-p', etcDir]);
    await writeFile(resolvPath, 'nameserver 127.0.0.1\n');
    container = await new GenericContainer(CEPH_IMAGE)
      .withName(`fs-${opts.namePrefix ?? 'ceph'}-${process.pid}-ceph-${address.split('.').slice(1).join('-')}`)
      .withNetworkMode('host')
      .withCommand(['/usr/local/bin/ceph-micro-start', '--wait'])
      .withEnvironment({
        CEPH_MICRO_IP: address,
        CEPH_MICRO_POOLS: pools.join(' '),
        CEPH_MICRO_WAIT_PGS: opts.waitHealthy ? '1' : '0',
      })
      // the mon store on tmpfs: no "low on available space" warning, and nothing left behind
      .withTmpFs({ '/var/lib/ceph': 'rw,size=1536m' })
      .withBindMounts([
        { source: etcDir, target: '/etc/ceph', mode: 'rw' },
        { source: resolvPath, target: '/etc/resolv.conf', mode: 'ro' },
      ])
      .withLabels({ 'fleetsweep.ceph': address })
      .withLogConsumer((stream) => stream.on('data', (b: Buffer) => {
        logTail.push(...String(b).split('\n').filter(Boolean));
        logTail.splice(0, logTail.length - 20);
      }))
      .withWaitStrategy(Wait.forLogMessage(READY_LINE))
      .withStartupTimeout(READY_TIMEOUT_MS)
      .start();
    entry.id = container.getId();
  } catch (err) {
    // the container may exist even though start() failed (wait strategy timed out)
    spawnSync('docker', ['rm', '-f', '-v', `fs-${opts.namePrefix ?? 'ceph'}-${process.pid}-ceph-${address.split('.').slice(1).join('-')}`], { stdio: 'ignore' });
    release();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`ceph: cluster on ${address} did not start: ${msg}${logTail.length ? `; log: ${logTail.slice(-8).join(' | ')}` : ''}`, { cause: err });
  }
  const startMs = Date.now() - t0;
  let closed = false;
  return {
    address,
    etcDir,
    resolvPath,
    container,
    startMs,
    async exec(cmd) {
      const r = await container.exec(['sh', '-c', cmd]);
      return { exitCode: r.exitCode, output: r.output, stdout: r.stdout, stderr: r.stderr };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        const client = await getContainerRuntimeClient();
        await client.container.getById(container.getId()).remove({ force: true, v: true }).catch((e: unknown) => {
          if (!/no such container/i.test(String(e))) throw e;
        });
      } finally {
        release();
      }
    },
  };
}

/** What a node needs to be an rbd client of `ceph` (see cephNodeCustomize). */
export interface RbdClientOptions {
  /** the node's storage-network address: librados clients bind it as source (the shim), so
   *  `rbd status` shows watchers from it. Without one, clients show up as 127.0.0.1. */
  storageAddress?: string;
  /** extra files to put into the container before it starts */
  files?: { target: string; content: string; mode?: number }[];
  /** extra host dirs/files to bind-mount */
  binds?: { source: string; target: string; mode?: 'ro' | 'rw' }[];
}

/**
 * customize hook (harness startFleet) for an rbd client node of fleetsweep-worker:test:
 * /dev/fuse + CAP_SYS_ADMIN (rbd-fuse, fuse2fs, bind mounts), /etc/ceph read-only from the cluster,
 * and the bind-source shim enabled container-wide for the storage address.
 */
export function cephNodeCustomize(ceph: CephCluster, opts: RbdClientOptions = {}) {
  return (c: GenericContainer): GenericContainer => {
    addDevices(c, ['/dev/fuse']);
    c.withAddedCapabilities('SYS_ADMIN');
    addBinds(c, [{ source: ceph.etcDir, target: '/etc/ceph', mode: 'ro' }, ...(opts.binds ?? [])]);
    const files = [...(opts.files ?? [])];
    if (opts.storageAddress !== undefined) {
      if (!/^127\.\d+\.\d+\.\d+$/.test(opts.storageAddress)) throw new Error(`ceph: storage address ${opts.storageAddress} is not in 127.0.0.0/8`);
      files.push(
        { target: '/etc/bindsrc.addr', content: `${opts.storageAddress}\n` },
        { target: '/etc/ld.so.preload', content: '/usr/local/lib/libbindsrc.so\n' },
      );
    }
    if (files.length > 0) c.withCopyContentToContainer(files.map((f) => ({ content: f.content, target: f.target, mode: f.mode ?? 0o644 })));
    return c;
  };
}

// testcontainers' withBindMounts() REPLACES the binds set so far (the harness's authorized_keys
// and resolv.conf), and it has no device option: both go straight into the HostConfig.
type HostConfigAccess = { hostConfig: { Binds?: string[]; Devices?: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string }[] } };

export function addBinds(c: GenericContainer, binds: { source: string; target: string; mode?: 'ro' | 'rw' }[]): GenericContainer {
  const hc = (c as unknown as HostConfigAccess).hostConfig;
  hc.Binds = [...(hc.Binds ?? []), ...binds.map((b) => `${b.source}:${b.target}:${b.mode ?? 'rw'}`)];
  return c;
}

export function addDevices(c: GenericContainer, devices: string[]): GenericContainer {
  const hc = (c as unknown as HostConfigAccess).hostConfig;
  const have = new Set((hc.Devices ?? []).map((d) => d.PathInContainer));
  hc.Devices = [...(hc.Devices ?? []), ...devices.filter((d) => !have.has(d)).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' }))];
  return c;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    const done = (v: boolean): void => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

let exitCleanupInstalled = false;
function installExitCleanup(): void {
  if (exitCleanupInstalled) return;
  exitCleanupInstalled = true;
  const cleanup = (): void => {
    for (const { id, dir } of live.values()) {
      if (id) spawnSync('docker', ['rm', '-f', '-v', id], { stdio: 'ignore', timeout: 30_000 });
      rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.once('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      cleanup();
      process.kill(process.pid, sig);
    });
  }
}
