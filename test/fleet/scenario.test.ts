// Fleet tests of the scenarios: rbd-seed reproduces seeds/000 as the operator found it (and the
// manual procedure then gets the pod running), clean.yml leaves nothing to find.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fleetUnavailableReason } from './harness.js';
import { startScenario, type StartedScenario } from './scenario.js';
import { parseKubectlDescribeEvents, parsePods, parsePvs } from '../../src/facts/kubectl.js';
import { parseRbdShowmapped, parseRbdStatus } from '../../src/facts/rbd.js';

const execFileP = promisify(execFile);
const IMAGE = 'kubernetes-dynamic-pvc-1bf69589-ec9d-11e8-ae69-44a84246e955';
const PV = 'pvc-1bf69589-ec9d-11e8-ae69-44a84246e955';

async function ssh(sc: StartedScenario, name: string, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP('ssh', [...sc.fleet.sshArgs(sc.node(name)), cmd], { timeout: 120_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function watcherAddresses(sc: StartedScenario, spec: string): Promise<string[]> {
  const r = await ssh(sc, sc.control, `rbd status --format json ${spec}`);
  assert.equal(r.code, 0, r.stderr);
  return parseRbdStatus(r.stdout).watchers.map((w) => w.address ?? '?');
}

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the images: ${reason}`);
});

describe('scenario rbd-seed', () => {
  let sc: StartedScenario;
  before(async () => {
    sc = await startScenario('rbd-seed');
  });
  after(async () => {
    await sc?.close();
  });

  test('it starts within the time budget', (t) => {
    t.diagnostic(`rbd-seed: ceph ${sc.timings.cephMs} ms, fleet ${sc.timings.fleetMs} ms, set-up ${sc.timings.setupMs} ms, total ${sc.timings.totalMs} ms`);
    assert.ok(sc.timings.totalMs < 180_000);
  });

  test('the inventory lists the storage addresses and a control group', () => {
    const inv = readFileSync(sc.inventoryPath, 'utf8');
    assert.match(inv, /node-a:\n(.*\n)*? {10}fleetsweep_addresses: \["127\.0\.21\.1"\]/);
    assert.match(inv, /\n {4}control:\n {6}hosts:\n {8}control: \{\}\n/);
  });

  test('kubectl describe pod shows the Multi-Attach error and the pod waits in ContainerCreating', async () => {
    const d = await ssh(sc, sc.control, 'kubectl describe pod gpu-worker-0 -n default');
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Reason: +ContainerCreating/);
    const ev = parseKubectlDescribeEvents(d.stdout);
    const multi = ev.events.find((e) => e.reason === 'FailedAttachVolume');
    assert.ok(multi, d.stdout);
    assert.equal(multi.volume, PV);
    assert.match(multi.message ?? '', /^Multi-Attach error for volume "pvc-1bf69589-ec9d-11e8-ae69-44a84246e955" Volume is already exclusively attached to one node and can't be attached to another$/);
    const pods = parsePods(JSON.parse((await ssh(sc, sc.control, 'kubectl get pods -A -o json')).stdout));
    assert.deepEqual(pods.map((p) => [p.name, p.node]), [['gpu-worker-0', 'node-b']]);
  });

  test('the PV names the image, in the seed\'s go-template and as JSON', async () => {
    const g = await ssh(sc, sc.control, `kubectl get pv ${PV} -o go-template='{{.spec.rbd.image}}'`);
    assert.equal(g.stdout, IMAGE);
    const pvs = parsePvs(JSON.parse((await ssh(sc, sc.control, 'kubectl get pv -o json')).stdout));
    assert.deepEqual(pvs.map((v) => [v.name, v.pool, v.image]), [[PV, 'kube', IMAGE]]);
  });

  test('rbd status shows the watcher from node-a\'s storage address, not its ssh address', async () => {
    const plain = await ssh(sc, sc.control, `rbd status ${IMAGE} -p kube`);
    assert.match(plain.stdout, /^Watchers:\n\twatcher=127\.0\.21\.1:0\/\d+ client\.\d+ cookie=\d+\n$/);
    assert.notEqual(sc.node('node-a').address, '127.0.21.1');
  });

  test('rbd showmapped on node-a lists the image at /dev/rbd8', async () => {
    const r = await ssh(sc, 'node-a', `rbd showmapped | grep ${IMAGE}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^8 +kube +${IMAGE} +- +/dev/rbd8\\n$`));
    const m = parseRbdShowmapped((await ssh(sc, 'node-a', 'rbd showmapped --format json')).stdout);
    assert.deepEqual(m.mappings.map((x) => [x.id, x.image, x.device]), [['8', IMAGE, '/dev/rbd8']]);
    assert.equal((await ssh(sc, 'node-b', 'rbd showmapped')).stdout, '');
  });

  test('while node-a holds the watch, node-b\'s kubelet still reports Multi-Attach', async () => {
    const r = await sc.reconcile('node-b');
    assert.deepEqual(r.map((x) => x.result), ['multi-attach']);
  });

  test('after the unmap on node-a, the mount on node-b fails on fsck -a with UNEXPECTED INCONSISTENCY', async () => {
    assert.equal((await ssh(sc, 'node-a', 'rbd unmap /dev/rbd8')).code, 0);
    assert.deepEqual(await watcherAddresses(sc, `kube/${IMAGE}`), []);
    const [r] = await sc.reconcile('node-b');
    assert.equal(r?.result, 'fsck-failed', JSON.stringify(r));
    assert.match(r!.detail, /Unattached inode \d+\n/);
    assert.match(r!.detail, /UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY\.\n\t\(i\.e\., without -a or -p options\)$/);
    const d = await ssh(sc, sc.control, 'kubectl describe pod gpu-worker-0 -n default');
    assert.match(d.stdout, /MountVolume\.MountDevice failed for volume "pvc-1bf69589-ec9d-11e8-ae69-44a84246e955" : rbd: failed to mount device \/dev\/rbd\d+ at /);
    assert.deepEqual((await watcherAddresses(sc, `kube/${IMAGE}`)).map((a) => a.split(':')[0]), ['127.0.21.2']);
    const again = await ssh(sc, 'node-b', `fsck -a ${r!.device}`);
    assert.equal(again.code, 4);
    assert.match(again.stdout + again.stderr, /UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY\./);
  });

  test('after a snapshot and fsck -fy on node-b, the pod mounts its volume and runs', async () => {
    assert.equal((await ssh(sc, sc.control, `rbd snap create --no-progress kube/${IMAGE}@pre-fsck`)).code, 0);
    const dev = parseRbdShowmapped((await ssh(sc, 'node-b', 'rbd showmapped --format json')).stdout).mappings[0]!.device!;
    const fix = await ssh(sc, 'node-b', `fsck -fy ${dev}`);
    assert.equal(fix.code, 1, fix.stdout + fix.stderr);
    assert.match(fix.stdout, /\*\*\*\*\* FILE SYSTEM WAS MODIFIED \*\*\*\*\*/);
    const r = await sc.reconcile('node-b');
    assert.deepEqual(r.map((x) => x.result), ['running']);
    const pods = parsePods(JSON.parse((await ssh(sc, sc.control, 'kubectl get pods -n default -o json')).stdout));
    assert.equal(pods[0]?.phase, 'Running');
    const mounts = (await ssh(sc, 'node-b', `grep '^${dev} ' /proc/mounts`)).stdout;
    assert.match(mounts, new RegExp(`${dev} /var/lib/kubelet/pods/[^/]+/volumes/kubernetes\\.io~rbd/${PV} fuse\\.ext4 `));
  });
});

describe('scenario clean', () => {
  let sc: StartedScenario;
  before(async () => {
    sc = await startScenario('clean');
  });
  after(async () => {
    await sc?.close();
  });

  test('no pod waits and no warning event is recorded', async (t) => {
    t.diagnostic(`clean: ceph ${sc.timings.cephMs} ms, fleet ${sc.timings.fleetMs} ms, set-up ${sc.timings.setupMs} ms, total ${sc.timings.totalMs} ms`);
    const pods = parsePods(JSON.parse((await ssh(sc, sc.control, 'kubectl get pods -A -o json')).stdout));
    assert.deepEqual(pods.map((p) => p.phase), ['Running', 'Running']);
    const ev = JSON.parse((await ssh(sc, sc.control, 'kubectl get events -A -o json')).stdout) as { items: { type: string }[] };
    assert.deepEqual(ev.items.filter((e) => e.type !== 'Normal'), []);
  });

  test('every watcher is the node running the pod that uses the image, and every mapping is mounted', async () => {
    const state = await sc.kubeState();
    const pods = parsePods({ items: state['pods'] });
    const pvs = parsePvs({ items: state['persistentvolumes'] });
    for (const pv of pvs) {
      const pod = pods.find((p) => p.namespace === pv.claim?.namespace && p.pvcs.includes(pv.claim?.name ?? ''));
      const want = pod ? sc.scenario.nodes.find((n) => n.name === pod.node)!.storage : [];
      assert.deepEqual((await watcherAddresses(sc, `${pv.pool}/${pv.image}`)).map((a) => a.split(':')[0]), want, pv.name ?? undefined);
    }
    for (const n of ['node-a', 'node-b']) {
      const maps = parseRbdShowmapped((await ssh(sc, n, 'rbd showmapped --format json')).stdout).mappings;
      assert.equal(maps.length, 1, n);
      const mounts = (await ssh(sc, n, 'cat /proc/mounts')).stdout;
      assert.match(mounts, new RegExp(`^${maps[0]!.device} /var/lib/kubelet/pods/`, 'm'));
    }
  });

  test('no filesystem has errors', async () => {
    const dev = parseRbdShowmapped((await ssh(sc, 'node-a', 'rbd showmapped --format json')).stdout).mappings[0]!.device!;
    const r = await ssh(sc, 'node-a', `e2fsck -fn ${dev}`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('scenario post-outage', () => {
  let sc: StartedScenario;
  before(async () => {
    sc = await startScenario('post-outage');
  });
  after(async () => {
    await sc?.close();
  });

  test('stale watchers come from the storage addresses of the nodes that lost their pods', async (t) => {
    t.diagnostic(`post-outage: ceph ${sc.timings.cephMs} ms, fleet ${sc.timings.fleetMs} ms, set-up ${sc.timings.setupMs} ms, total ${sc.timings.totalMs} ms`);
    const ip = async (spec: string): Promise<string[]> => (await watcherAddresses(sc, spec)).map((a) => a.split(':')[0]!);
    assert.deepEqual(await ip('kube/kubernetes-dynamic-pvc-3c2e9d7a-5f1b-11ee-8c99-0242ac120002'), ['127.0.23.1']);
    assert.deepEqual(await ip('kube/csi-vol-6a0f4e52-5f1b-11ee-a7c4-0a580a810231'), ['127.0.23.3']);
    // decoys: the watchers of running pods, from the nodes they run on
    assert.deepEqual(await ip('kube/csi-vol-91b7d3e8-5f1b-11ee-a7c4-0a580a810231'), ['127.0.23.2']);
    assert.deepEqual(await ip('kube/csi-vol-b4c1a9f0-5f1b-11ee-a7c4-0a580a810231'), ['127.0.23.3']);
    const pods = parsePods(JSON.parse((await ssh(sc, sc.control, 'kubectl get pods -A -o json')).stdout));
    assert.deepEqual(pods.filter((p) => p.containerCreating).map((p) => `${p.name}@${p.node}`), ['db-0@node-b', 'cache-0@node-d']);
  });

  test('the device of a running pod is mounted and unmap refuses it', async () => {
    const dev = parseRbdShowmapped((await ssh(sc, 'node-b', 'rbd showmapped --format json')).stdout).mappings[0]!.device!;
    assert.match((await ssh(sc, 'node-b', 'cat /proc/mounts')).stdout, new RegExp(`^${dev} /var/lib/kubelet/pods/\\S+/volumes/kubernetes\\.io~csi/`, 'm'));
    const r = await ssh(sc, 'node-b', `rbd unmap ${dev}`);
    assert.equal(r.code, 16);
  });

  test('the multipath sections are applied to their nodes', async () => {
    assert.match((await ssh(sc, 'node-a', 'multipath -ll')).stdout, /^mpathb \(3618cf24100f8f457014a764c000001f6\) dm-12 /m);
    assert.match((await ssh(sc, 'node-c', 'multipath -ll')).stdout, /^mpathc .* dm-7 /m);
  });
});
