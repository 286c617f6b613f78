// Starts a scenario (test/scenarios/*.yml): the Ceph micro cluster if it has a ceph section, one
// fleet of fleetsweep-worker:test nodes (workers + the control node) with the rbd/kube simulators
// (and the multipath simulator's hook where a node has a multipath section), images with their
// filesystems, corruption and stale mappings, pods mounted where they run, the kubectl state and an
// inventory for the CLI. close() removes every container, also after a failed start.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GenericContainer } from 'testcontainers';
import { addBinds, addDevices, cephNodeCustomize, startCeph, WORKER_IMAGE, type CephCluster } from './ceph.js';
import { startFleet, type ExecResult, type Fleet, type FleetNode } from './harness.js';
import { applyMultipath, multipathNodeCustomize, type MultipathSpec } from './multipath-sim.js';
import { kubeState, loadScenario, type Scenario, type ScenarioNode } from './scenario-spec.js';

export { loadScenario, type Scenario } from './scenario-spec.js';

export interface ScenarioOptions {
  /** container name prefix (default: the scenario's name) */
  namePrefix?: string;
}

/** One volume outcome of kubelet-sim (see test/fleet/sim/kube/kubelet-sim.py). */
export interface KubeletResult {
  pod: string;
  pv: string;
  image: string;
  result: 'running' | 'mounted' | 'multi-attach' | 'fsck-failed' | 'map-failed' | 'mount-failed';
  device: string | null;
  detail: string;
}

export interface StartedScenario {
  scenario: Scenario;
  fleet: Fleet;
  ceph: CephCluster | undefined;
  /** private tmp dir: inventory.yml, kube/state.json (shared with the nodes) */
  dir: string;
  /** inventory for the CLI: groups nodes (all), workers, control; fleetsweep_addresses per host */
  inventoryPath: string;
  node(name: string): FleetNode;
  /** `sh -c cmd` on a scenario node via docker exec */
  exec(name: string, cmd: string): Promise<ExecResult>;
  /** the control node's name (kubectl, ceph admin) */
  control: string;
  /** kubelet-sim reconcile on a worker: Pending pods bound to it try attach, map, fsck -a, mount */
  reconcile(name: string): Promise<KubeletResult[]>;
  /** state.json as the kubectl stand-in sees it */
  kubeState(): Promise<Record<string, unknown[]>>;
  timings: { cephMs: number; fleetMs: number; setupMs: number; totalMs: number };
  close(): Promise<void>;
}

export async function startScenario(nameOrPath: string, opts: ScenarioOptions = {}): Promise<StartedScenario> {
  const t0 = Date.now();
  const s = loadScenario(nameOrPath);
  const multipathNodes = Object.keys(s.multipath);
  const prefix = opts.namePrefix ?? s.name;
  const dir = mkdtempSync(path.join(os.tmpdir(), `fleetsweep-scenario-${s.name}-`));
  const kubeDir = path.join(dir, 'kube');
  let ceph: CephCluster | undefined;
  let fleet: Fleet | undefined;
  const timings = { cephMs: 0, fleetMs: 0, setupMs: 0, totalMs: 0 };
  const closeAll = async (): Promise<void> => {
    const errs: unknown[] = [];
    await fleet?.close().catch((e: unknown) => errs.push(e));
    await ceph?.close().catch((e: unknown) => errs.push(e));
    rmSync(dir, { recursive: true, force: true });
    if (errs.length > 0) throw new AggregateError(errs, `scenario ${s.name}: close failed`);
  };
  try {
    mkdirSync(kubeDir, { mode: 0o755 });
    writeFileSync(path.join(kubeDir, 'state.json'), JSON.stringify(kubeState(s), null, 1));

    if (s.ceph) {
      const t = Date.now();
      ceph = await startCeph({ address: s.ceph.address, pools: s.ceph.pools, namePrefix: prefix });
      timings.cephMs = Date.now() - t;
    }
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: [{name: fleetsweep-sim, cluster: {server: "https://fleetsweep-sim.invalid"}}]\n'
      + 'contexts: [{name: sim, context: {cluster: fleetsweep-sim, user: admin}}]\ncurrent-context: sim\nusers: [{name: admin, user: {}}]\n';
    const customize = (c: GenericContainer, info: { name: string; address: string; index: number }): GenericContainer => {
      const n = s.nodes[info.index]!;
      c.withHostname(n.name).withLabels({ 'fleetsweep.scenario': s.name, 'fleetsweep.node': n.name, 'fleetsweep.role': n.role });
      const files = [{ target: '/etc/fleetsweep-sim/node.json', content: JSON.stringify({ name: n.name, role: n.role, ssh: n.ssh, addresses: n.storage }) + '\n' }];
      if (n.role === 'control') {
        for (const home of ['/root', '/home/fleet', '/home/pwuser']) files.push({ target: `${home}/.kube/config`, content: kubeconfig });
      }
      const binds = [{ source: kubeDir, target: '/var/lib/fleetsweep-sim/kube', mode: 'rw' as const }];
      if (ceph) {
        cephNodeCustomize(ceph, { ...(n.storage[0] ? { storageAddress: n.storage[0] } : {}), files, binds })(c);
      } else {
        addDevices(c, ['/dev/fuse']);
        c.withAddedCapabilities('SYS_ADMIN');
        addBinds(c, binds);
        c.withCopyContentToContainer(files.map((f) => ({ ...f, mode: 0o644 })));
      }
      if (multipathNodes.includes(n.name)) multipathNodeCustomize(c);
      return c;
    };
    const tf = Date.now();
    fleet = await startFleet({ count: s.nodes.length, firstAddress: s.nodes[0]!.ssh, namePrefix: prefix, image: WORKER_IMAGE, customize });
    timings.fleetMs = Date.now() - tf;
    const byName = new Map(s.nodes.map((n, i) => [n.name, fleet!.nodes[i]!]));
    const ts = Date.now();
    await setUp(s, fleet, byName, ceph);
    for (const n of multipathNodes) await applyMultipath(fleet, byName.get(n)!, s.multipath[n] as MultipathSpec);
    timings.setupMs = Date.now() - ts;
    const inventoryPath = path.join(dir, 'inventory.yml');
    writeFileSync(inventoryPath, inventoryYaml(s.nodes, fleet));
    timings.totalMs = Date.now() - t0;

    const f = fleet;
    const node = (name: string): FleetNode => {
      const n = byName.get(name);
      if (!n) throw new Error(`scenario ${s.name}: no node ${name}`);
      return n;
    };
    const exec = (name: string, cmd: string): Promise<ExecResult> => f.exec(node(name), cmd);
    const control = s.nodes.find((n) => n.role === 'control')?.name ?? s.nodes[0]!.name;
    return {
      scenario: s, fleet: f, ceph, dir, inventoryPath, node, exec, control, timings,
      async reconcile(name) {
        const r = await exec(name, 'kubelet-sim reconcile');
        if (r.exitCode !== 0) throw new Error(`kubelet-sim reconcile on ${name} failed (${r.exitCode}): ${r.output}`);
        return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as KubeletResult);
      },
      async kubeState() {
        return JSON.parse(await readFile(path.join(kubeDir, 'state.json'), 'utf8')) as Record<string, unknown[]>;
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}

/** Images, filesystems, corruption, stale mappings, mounts of running pods: in this order. */
async function setUp(s: Scenario, fleet: Fleet, byName: Map<string, FleetNode>, ceph: CephCluster | undefined): Promise<void> {
  const run = async (name: string, cmd: string, what: string): Promise<ExecResult> => {
    const r = await fleet.exec(byName.get(name)!, cmd);
    if (r.exitCode !== 0) throw new Error(`scenario ${s.name}: ${what} on ${name} failed (exit ${r.exitCode}): ${r.output}`);
    return r;
  };
  if (s.ceph && ceph) {
    const firstWorker = s.nodes.find((n) => n.role === 'worker') ?? s.nodes[0]!;
    for (const im of s.ceph.images) {
      const spec = `${im.pool}/${im.name}`;
      const c = await ceph.exec(`rbd create ${q(spec)} --size ${q(im.size)}`);
      if (c.exitCode !== 0) throw new Error(`scenario ${s.name}: rbd create ${spec}: ${c.output}`);
      const maps = im.mappedOn.length > 0 ? im.mappedOn : [];
      const mapOn = async (m: { node: string; device?: number }): Promise<string> => {
        const env = m.device !== undefined ? `FLEETSWEEP_RBD_DEVICE_ID=${m.device} ` : '';
        return (await run(m.node, `${env}rbd map ${q(spec)}`, `rbd map ${spec}`)).stdout.trim().split('\n').pop()!;
      };
      if (im.fs === 'ext4') {
        // the filesystem is written through the first mapping (that node then holds the
        // exclusive lock, as the node that last wrote it would), or a temporary one
        const prep = maps[0] ?? { node: firstWorker.name };
        const dev = await mapOn(prep);
        await run(prep.node, `fleetsweep-sim-fs mkfs ${q(dev)}`, `mkfs on ${spec}`);
        if (im.corrupt) await run(prep.node, `fleetsweep-sim-fs corrupt ${q(dev)}`, `corrupt ${spec}`);
        if (maps.length === 0) await run(prep.node, `rbd unmap ${q(dev)}`, `rbd unmap ${spec}`);
        for (const m of maps.slice(1)) await mapOn(m);
      } else {
        for (const m of maps) await mapOn(m);
      }
    }
  }
  for (const pod of s.kubernetes.pods.filter((p) => p.phase === 'Running')) {
    const r = await run(pod.node, `kubelet-sim mount ${q(`${pod.namespace}/${pod.name}`)}`, `mount of pod ${pod.name}`);
    const bad = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as KubeletResult).filter((x) => x.result !== 'mounted');
    if (bad.length > 0) throw new Error(`scenario ${s.name}: running pod ${pod.name} could not mount: ${JSON.stringify(bad)}`);
  }
}

function inventoryYaml(nodes: ScenarioNode[], fleet: Fleet): string {
  const j = JSON.stringify;
  const lines = ['all:', '  children:', '    nodes:', '      hosts:'];
  nodes.forEach((n, i) => {
    lines.push(
      `        ${n.name}:`,
      `          ansible_host: ${j(fleet.nodes[i]!.address)}`,
      `          ansible_port: ${fleet.nodes[i]!.port}`,
      '          ansible_user: "root"',
      `          ansible_ssh_private_key_file: ${j(fleet.keyPath)}`,
      ...(n.storage.length ? [`          fleetsweep_addresses: ${j(n.storage)}`] : []),
    );
  });
  lines.push('      vars:', `        fleetsweep_known_hosts: ${j(fleet.knownHostsPath)}`);
  for (const [group, role] of [['workers', 'worker'], ['control', 'control']] as const) {
    const members = nodes.filter((n) => n.role === role);
    lines.push(`    ${group}:`, members.length ? '      hosts:' : '      hosts: {}', ...members.map((n) => `        ${n.name}: {}`));
  }
  return lines.join('\n') + '\n';
}

/** POSIX sh single-quoting. */
function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
