// Fleet tests of playbooks/rbd-stale-watchers.yml and playbooks/rbd-snapshots.yml on the test fleet (real
// Ceph, rbd/kubectl/kubelet stand-ins), through the real CLI: seeds/000 end to end (unmap on node-a, fsck
// repair on node-b, rollbacks), decoys that must be left alone, and a node that cannot be reached (fencing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetUnavailableReason } from './harness.js';
import { startScenario, type StartedScenario } from './scenario.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { parseRbdShowmapped, parseRbdStatus } from '../../src/facts/rbd.js';
import { parsePods } from '../../src/facts/kubectl.js';
import { parseFsck } from '../../src/facts/fsck.js';

const PLAYBOOK = fileURLToPath(new URL('../../../playbooks/rbd-stale-watchers.yml', import.meta.url));
const SNAPSHOTS = fileURLToPath(new URL('../../../playbooks/rbd-snapshots.yml', import.meta.url));

interface ReportTask { name: string; outcome: string; reason: string | null; items?: Array<{ item: Record<string, unknown>; outcome: string; reason: string | null }> }
interface Report { runId: string; hosts: Record<string, { outcome: string; reason: string | null; tasks: ReportTask[] }> }
/** One line of the playbook's report: pod | pv | image | watcher | host | verdict | action | snapshot. */
interface Row { pod: string; pv: string; spec: string; watcher: string; host: string; verdict: string; action: string; snapshot: string }
interface Run extends CliResult { report: Report; rows: Row[]; pods: string[]; text: string }

/** The CLI against one scenario, with its own state dir and a JSON report per run. */
function cliFor(sc: () => StartedScenario) {
  let n = 0;
  const stateDir = () => join(sc().dir, 'state');
  const raw = (args: string[], timeoutMs = 240_000) => runCli(args, { env: { FLEETSWEEP_STATE_DIR: stateDir() }, timeoutMs });
  const run = async (playbook: string, ...extra: string[]): Promise<Run> => {
    const json = join(sc().dir, `report-${++n}.json`);
    const r = await raw(['run', playbook, '-i', sc().inventoryPath, '--json', json, ...extra]);
    assert.ok(existsSync(json), `no JSON report: ${r.stdout}\n${r.stderr}`);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const text = report.hosts['control']?.tasks.find((t) => t.name === 'report')?.reason ?? '';
    const lines = text.split('\n').filter(Boolean);
    const rows = lines.filter((l) => l.split(' | ').length === 8).map((l) => {
      const [pod, pv, spec, watcher, host, verdict, action, snapshot] = l.split(' | ') as [string, string, string, string, string, string, string, string];
      return { pod, pv, spec, watcher: watcher.replace(/^(watcher|fsck) /, ''), host: host.replace(/^host /, ''), verdict, action, snapshot: snapshot.replace(/^snapshot /, '') };
    });
    return { ...r, report, rows, pods: lines.filter((l) => l.startsWith('pod ')), text };
  };
  const rollback = (id: string, ...extra: string[]) => raw(['rollback', id, ...extra]);
  return { run, rollback };
}

const changedTasks = (r: Report): string[] =>
  Object.entries(r.hosts).flatMap(([h, v]) => v.tasks.filter((t) => t.outcome === 'changed' || t.outcome === 'would-change').map((t) => `${h}: ${t.name}: ${t.outcome}`));

async function sh(sc: StartedScenario, node: string, cmd: string): Promise<string> {
  const r = await sc.exec(node, cmd);
  assert.equal(r.exitCode, 0, `${node}: ${cmd}: ${r.output}`);
  return r.stdout;
}
async function watchers(sc: StartedScenario, spec: string): Promise<string[]> {
  return parseRbdStatus(await sh(sc, sc.control, `rbd status --format json ${spec}`)).watchers.map((w) => w.address ?? '?');
}
async function mapped(sc: StartedScenario, node: string): Promise<Array<[string, string]>> {
  return parseRbdShowmapped(await sh(sc, node, 'rbd showmapped --format json')).mappings.map((m) => [m.image ?? '?', m.device ?? '?']);
}
async function pod(sc: StartedScenario, ns: string, name: string) {
  return parsePods(JSON.parse(await sh(sc, sc.control, `kubectl get pod -n ${ns} ${name} -o json`)))[0]!;
}
/** kubelet-sim reconcile every `everyMs` until stop() (the kubelet's own retry loop), without overlapping. */
function kubeletLoop(sc: StartedScenario, node: string, everyMs = 1500): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await sc.reconcile(node).catch(() => undefined);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { stop: async () => { running = false; await loop; } };
}

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the images: ${reason}`);
});

describe('rbd-stale-watchers on the seed (rbd-seed): stale watcher on node-a, fsck errors on node-b', () => {
  const IMAGE = 'kubernetes-dynamic-pvc-1bf69589-ec9d-11e8-ae69-44a84246e955';
  const SPEC = `kube/${IMAGE}`;
  const PV = 'pvc-1bf69589-ec9d-11e8-ae69-44a84246e955';
  let sc: StartedScenario;
  const cli = cliFor(() => sc);
  let unmapRun = '';
  let preRepair: { rc: number; problems: string[] } | undefined;
  let repairRun = '';
  let repairRun2 = '';

  before(async () => {
    sc = await startScenario('rbd-seed', { namePrefix: 'rbdsw-seed' });
  });
  after(async () => {
    await sc?.close();
  });

  test('--check finds the watcher from node-a\'s storage address and changes nothing', async (t) => {
    const r = await cli.run(PLAYBOOK, '--check');
    t.diagnostic(`scenario ${sc.timings.totalMs} ms; --check ${r.text.length} chars of report`);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.rows.map((x) => [x.pod, x.pv, x.spec, x.host, x.verdict]), [['default/gpu-worker-0', PV, SPEC, 'node-a', 'stale']]);
    assert.match(r.rows[0]!.watcher, /^127\.0\.21\.1:0\/\d+$/);
    assert.match(r.rows[0]!.action, /^WOULD unmap \/dev\/rbd8 on node-a: /);
    assert.deepEqual(changedTasks(r.report), ['node-a: unmap stale rbd devices: would-change']);
    assert.deepEqual(await mapped(sc, 'node-a'), [[IMAGE, '/dev/rbd8']]);
    assert.equal((await watchers(sc, SPEC)).length, 1);
  });

  test('the cleanup unmaps /dev/rbd8 on node-a, the watcher is gone, and the report says why the pod still waits', async () => {
    const r = await cli.run(PLAYBOOK, '-e', 'rbd_pod_wait=2', '-e', 'rbd_pod_poll=1');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    unmapRun = r.report.runId;
    assert.match(r.rows[0]!.action, /^DONE: unmap \/dev\/rbd8 on node-a; watcher gone$/);
    assert.deepEqual(await mapped(sc, 'node-a'), []);
    assert.deepEqual(await watchers(sc, SPEC), []);
    // nobody ran the kubelet: the pod waits, and the report names its latest warning
    assert.match(r.pods.join('\n'), /^pod default\/gpu-worker-0: Pending, ContainerCreating; latest warning \(\S+\) FailedMount: /m);
    assert.match(r.text, /still waiting after 2 s: default\/gpu-worker-0/);
  });

  test('rollback re-maps the image on node-a (the watcher is back), and a new run unmaps it again', async () => {
    const rb = await cli.rollback(unmapRun);
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.deepEqual((await mapped(sc, 'node-a')).map((m) => m[0]), [IMAGE]);
    assert.deepEqual((await watchers(sc, SPEC)).map((a) => a.split(':')[0]), ['127.0.21.1']);
    const r = await cli.run(PLAYBOOK, '-e', 'rbd_pod_wait=0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(changedTasks(r.report), ['node-a: unmap stale rbd devices: changed']);
    assert.deepEqual(await watchers(sc, SPEC), []);
  });

  test('the kubelet\'s fsck then fails on node-b; without rbd_fsck_repair the run only reports fsck -fn', async () => {
    const [k] = await sc.reconcile('node-b');
    assert.equal(k?.result, 'fsck-failed', JSON.stringify(k));
    const r = await cli.run(PLAYBOOK);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(changedTasks(r.report), []);
    const fsck = r.rows.find((x) => x.verdict === 'fsck');
    assert.ok(fsck, r.text);
    assert.equal(fsck.host, 'node-b');
    assert.match(fsck.action, /^fsck -fn exit 4 \(uncorrected, \d+ problem\(s\)\); repair is off \(-e rbd_fsck_repair=true\): nothing done$/);
    assert.equal(fsck.snapshot, '-');
    // node-b's own watcher (the kubelet mapped it there) is legitimate
    assert.deepEqual(r.rows.filter((x) => x.verdict !== 'fsck').map((x) => [x.host, x.verdict]), [['node-b', 'legit']]);
    const dev = fsck.watcher;
    const out = await sc.exec('node-b', `fsck -fn ${dev}`);
    preRepair = { rc: out.exitCode, problems: parseFsck(out.stdout + out.stderr, out.exitCode).problems };
    assert.equal(preRepair.rc, 4);
    assert.equal((await sh(sc, sc.control, `rbd snap ls ${SPEC}`)).trim(), '');
  });

  test('with rbd_fsck_repair=true: snapshot fleetsweep-<run> first, then fsck -fy (exit 1, corrected), verified clean', async () => {
    const r = await cli.run(PLAYBOOK, '-e', 'rbd_fsck_repair=true', '-e', 'rbd_pod_wait=0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    repairRun = r.report.runId;
    const fsck = r.rows.find((x) => x.verdict === 'fsck')!;
    assert.match(fsck.action, /; DONE: fsck -fy exit 1 \(errors corrected\)$/);
    assert.equal(fsck.snapshot, `${SPEC}@fleetsweep-${repairRun}`);
    assert.match(await sh(sc, sc.control, `rbd snap ls ${SPEC}`), new RegExp(`fleetsweep-${repairRun}`));
    const dev = (await mapped(sc, 'node-b'))[0]![1];
    assert.equal((await sc.exec('node-b', `fsck -fn ${dev}`)).exitCode, 0);
  });

  test('rollback of the repair restores the pre-repair image: the same fsck problems as before', async () => {
    const rb = await cli.rollback(repairRun);
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.match(rb.stdout, /1 of 1 step\(s\) restored/);
    const dev = (await mapped(sc, 'node-b'))[0]![1];
    const out = await sc.exec('node-b', `fsck -fn ${dev}`);
    assert.deepEqual({ rc: out.exitCode, problems: parseFsck(out.stdout + out.stderr, out.exitCode).problems }, preRepair);
  });

  test('repaired again, the pod mounts its volume and runs; a second run changes nothing', async () => {
    const r = await cli.run(PLAYBOOK, '-e', 'rbd_fsck_repair=true', '-e', 'rbd_pod_wait=0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    repairRun2 = r.report.runId;
    assert.deepEqual(changedTasks(r.report), ['node-b: repair the file system (snapshot, fsck -fy): changed']);
    assert.deepEqual((await sc.reconcile('node-b')).map((x) => x.result), ['running']);
    assert.equal((await pod(sc, 'default', 'gpu-worker-0')).phase, 'Running');
    const dev = (await mapped(sc, 'node-b'))[0]![1];
    assert.match(await sh(sc, 'node-b', 'cat /proc/mounts'), new RegExp(`^${dev} /var/lib/kubelet/pods/[^/]+/volumes/kubernetes\\.io~rbd/${PV} fuse\\.ext4 `, 'm'));
    const again = await cli.run(PLAYBOOK);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(changedTasks(again.report), []);
    assert.deepEqual(again.rows, []);
    assert.match(again.text, /^nothing found: no pod waits in ContainerCreating/);
  });

  test('a rollback of the repair while the pod runs is refused, and the mounted image is untouched', async () => {
    const rb = await cli.rollback(repairRun2);
    assert.equal(rb.code, 8, rb.stdout + rb.stderr);
    assert.match(rb.stdout + rb.stderr, /refusing: \/dev\/rbd\d+ is mounted at /);
    assert.equal((await pod(sc, 'default', 'gpu-worker-0')).phase, 'Running');
    assert.deepEqual((await mapped(sc, 'node-b')).map((m) => m[0]), [IMAGE]);
    assert.deepEqual((await watchers(sc, SPEC)).map((a) => a.split(':')[0]), ['127.0.21.2']);
  });

  test('rbd-snapshots.yml removes only fleetsweep snapshots older than the retention; removal has no rollback', async () => {
    await sh(sc, sc.control, `rbd snap create --no-progress ${SPEC}@fleetsweep-20200101T000000Z-abcdef && rbd snap create --no-progress ${SPEC}@pre-fsck-by-hand`);
    const snaps = async () => (await sh(sc, sc.control, `rbd snap ls --format json ${SPEC}`)).match(/"name":"[^"]+"/g)!.map((s) => s.slice(8, -1)).sort();
    const before = await snaps();
    const check = await cli.run(SNAPSHOTS, '--check');
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.text, new RegExp(`@fleetsweep-${repairRun} \\| created \\S+ \\S+ UTC \\| kept: 0 day\\(s\\) old, retention 7 day\\(s\\)`));
    assert.match(check.text, /@fleetsweep-20200101T000000Z-abcdef \| created 2020-01-01 00:00:00 UTC \| WOULD remove/);
    assert.doesNotMatch(check.text, /pre-fsck-by-hand/);
    assert.deepEqual(await snaps(), before);
    const r = await cli.run(SNAPSHOTS);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await snaps(), before.filter((s) => s !== 'fleetsweep-20200101T000000Z-abcdef'));
    const again = await cli.run(SNAPSHOTS);
    assert.deepEqual(changedTasks(again.report), []);
    const rb = await cli.rollback(r.report.runId);
    assert.equal(rb.code, 8, rb.stdout);
    assert.match(rb.stdout, /no-rollback/);
  });
});

describe('rbd-stale-watchers among decoys (rbd-decoys): only the stale watcher is cleaned', () => {
  const CACHE = 'kube/csi-vol-1c0a7e5e-6a11-11ee-9f3d-0a580a810290';
  const OTHERS = ['csi-vol-2d1b8f6f-6a11-11ee-9f3d-0a580a810290', 'kubernetes-dynamic-pvc-3e2c9a70-6a11-11ee-8c99-0242ac120002',
    'csi-vol-4f3dab81-6a11-11ee-9f3d-0a580a810290', 'csi-vol-5a4ebc92-6a11-11ee-9f3d-0a580a810290', 'csi-vol-6b5fcda3-6a11-11ee-9f3d-0a580a810290'];
  let sc: StartedScenario;
  const cli = cliFor(() => sc);
  let firstRun = '';
  /** everything the decoys are made of: their watchers, every node's mappings and rbd mounts, the holder */
  const decoyState = async () => ({
    watchers: await Promise.all(OTHERS.map((i) => watchers(sc, `kube/${i}`))),
    maps: await Promise.all(['node-a', 'node-b'].map((n) => mapped(sc, n))),
    mapsC: (await mapped(sc, 'node-c')).filter((m) => m[1] === '/dev/rbd5'),
    mounts: await sh(sc, 'node-a', "awk '$1 ~ /^\\/dev\\/rbd/' /proc/mounts"),
    holder: await sh(sc, 'node-c', 'pgrep -f "^sleep 3601$"'),
  });
  let decoysBefore: Awaited<ReturnType<typeof decoyState>>;
  const cacheMounts = () => sh(sc, 'node-c', "awk '$1 == \"/dev/rbd0\" {print $2}' /proc/mounts");

  before(async () => {
    sc = await startScenario('rbd-decoys', { namePrefix: 'rbdsw-decoys' });
    // cache-old was force-deleted while node-c's kubelet was frozen: its mounts stay behind
    await sh(sc, sc.control, 'kubectl-sim delete pod prod/cache-old');
    // batch: a process holds /dev/rbd5 open; report: an admin mounted /dev/rbd6 by hand; queue: watched from
    // an address no inventory host has
    await sh(sc, 'node-c', 'setsid sh -c "exec 3</dev/rbd5; exec sleep 3601" </dev/null >/dev/null 2>&1 & sleep 0.5; pgrep -f "^sleep 3601$"');
    await sh(sc, 'node-a', 'mkdir -p /mnt/restore && fuse2fs /dev/rbd6 /mnt/restore');
    await sh(sc, 'node-a', 'BIND_SRC_ADDR=127.0.26.99 rbd map kube/csi-vol-6b5fcda3-6a11-11ee-9f3d-0a580a810290');
    decoysBefore = await decoyState();
  });
  after(async () => {
    await sc?.close();
  });

  test('--check: the one stale watcher would be cleaned, every decoy is left alone with its reason', async (t) => {
    t.diagnostic(`scenario ${sc.timings.totalMs} ms`);
    const r = await cli.run(PLAYBOOK, '--check');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const by = Object.fromEntries(r.rows.map((x) => [x.pod, x]));
    assert.deepEqual(Object.keys(by).sort(), ['apps/web-6f4b8d7c5-q7r2m', 'jobs/batch-0', 'jobs/report-0', 'prod/cache-0', 'prod/db-0', 'prod/queue-0']);
    assert.equal(by['prod/cache-0']!.verdict, 'stale');
    assert.match(by['prod/cache-0']!.action, /^WOULD unmap \/dev\/rbd0 on node-c: /);
    // a device mounted by a running pod
    assert.equal(by['apps/web-6f4b8d7c5-q7r2m']!.verdict, 'in-use');
    assert.match(by['apps/web-6f4b8d7c5-q7r2m']!.action, /^left alone: \/dev\/rbd0 is mounted at \/var\/lib\/kubelet\/pods\/[0-9a-f-]{36}\/volumes\/kubernetes\.io~csi\/pvc-2d1b8f6f-6a11-11ee-9f3d-0a580a810290\/mount, the volume of a pod that runs on node-a$/);
    // a watcher from the node the pod is bound to
    assert.deepEqual([by['prod/db-0']!.verdict, by['prod/db-0']!.host], ['legit', 'node-b']);
    assert.match(by['jobs/batch-0']!.action, /^left alone: \/dev\/rbd5 is open: pid \d+ \(sleep\)$/);
    assert.match(by['jobs/report-0']!.action, /^left alone: \/dev\/rbd6 is mounted at \/mnt\/restore, outside the kubelet pod paths$/);
    assert.match(by['prod/queue-0']!.action, /^left alone: no inventory host has address 127\.0\.26\.99 /);
    assert.deepEqual(changedTasks(r.report).sort(), ['node-c: unmap stale rbd devices: would-change', 'node-c: unmount leftover pod mounts: would-change']);
    assert.deepEqual(await decoyState(), decoysBefore);
  });

  test('the cleanup unmounts the leftover pod mounts on node-c and unmaps; the decoys are untouched; a second run changes nothing', async () => {
    const r = await cli.run(PLAYBOOK, '-e', 'rbd_pod_wait=0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    firstRun = r.report.runId;
    assert.match(r.rows.find((x) => x.pod === 'prod/cache-0')!.action, /^DONE: unmounted 2 leftover mount\(s\), unmap \/dev\/rbd0 on node-c; watcher gone$/);
    assert.equal(await cacheMounts(), '');
    assert.deepEqual((await mapped(sc, 'node-c')).map((m) => m[1]), ['/dev/rbd5']);
    assert.deepEqual(await watchers(sc, CACHE), []);
    assert.deepEqual(await decoyState(), decoysBefore);
    const again = await cli.run(PLAYBOOK, '-e', 'rbd_pod_wait=0');
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.deepEqual(changedTasks(again.report), []);
    assert.equal(again.rows.find((x) => x.pod === 'prod/cache-0')!.verdict, 'clear');
  });

  test('rollback maps the image on node-c again and puts both leftover mounts back', async () => {
    const rb = await cli.rollback(firstRun);
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.match(rb.stdout, /2 of 2 step\(s\) restored/);
    assert.deepEqual((await watchers(sc, CACHE)).map((a) => a.split(':')[0]), ['127.0.26.3']);
    const mounts = (await sh(sc, 'node-c', "awk '$3 == \"fuse.ext4\" {print $2}' /proc/mounts")).split('\n').filter(Boolean);
    assert.deepEqual(mounts.map((m) => m.replace(/pods\/[0-9a-f-]+\//, 'pods/UID/')), [
      '/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-1c0a7e5e-6a11-11ee-9f3d-0a580a810290/globalmount',
      '/var/lib/kubelet/pods/UID/volumes/kubernetes.io~csi/pvc-1c0a7e5e-6a11-11ee-9f3d-0a580a810290/mount',
    ]);
  });

  test('cleaned again while the kubelet retries, the pod leaves ContainerCreating within the run\'s wait', async () => {
    const kubelet = kubeletLoop(sc, 'node-d');
    let r: Run;
    try {
      r = await cli.run(PLAYBOOK, '-e', 'rbd_pod_wait=60', '-e', 'rbd_pod_poll=1');
    } finally {
      await kubelet.stop();
    }
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.pods.join('\n'), /^pod prod\/cache-0: Running$/m);
    assert.match(r.text, /none waits any more/);
    assert.equal((await pod(sc, 'prod', 'cache-0')).phase, 'Running');
    assert.deepEqual((await watchers(sc, CACHE)).map((a) => a.split(':')[0]), ['127.0.26.4']);
    // now that node-d uses the image, rolling the cleanup back would bring the Multi-Attach error back: refused
    const rb = await cli.rollback(r.report.runId);
    assert.equal(rb.code, 8, rb.stdout + rb.stderr);
    assert.match(rb.stdout + rb.stderr, /refusing to map kube\/csi-vol-1c0a7e5e-6a11-11ee-9f3d-0a580a810290 again: it is watched from elsewhere/);
    assert.deepEqual((await watchers(sc, CACHE)).map((a) => a.split(':')[0]), ['127.0.26.4']);
    assert.deepEqual(await decoyState(), decoysBefore);
  });
});

describe('rbd-stale-watchers with a node that does not answer (rbd-dead-node): fencing', () => {
  const SPEC = 'kube/csi-vol-7c6a0db4-6a11-11ee-9f3d-0a580a810290';
  let sc: StartedScenario;
  const cli = cliFor(() => sc);
  let watcher = '';
  let fenceRun = '';
  const blocklist = async () => (await sh(sc, sc.control, 'ceph osd blocklist ls 2>/dev/null')).split('\n').filter(Boolean);
  const fast = ['--connect-timeout', '3s'];

  before(async () => {
    sc = await startScenario('rbd-dead-node', { namePrefix: 'rbdsw-dead' });
    // node-a freezes for SSH (TCP connects, no banner) while its rbd client keeps the watch alive
    await sh(sc, 'node-a', 'kill -STOP $(pgrep -x sshd)');
    watcher = (await watchers(sc, SPEC))[0] ?? "";
    assert.match(watcher, /^127\.0\.27\.1:0\/\d+$/);
  });
  after(async () => {
    await sc?.close();
  });

  test('fencing off (the default): node-a is reported unreachable, the watcher is reported, nothing is done', async (t) => {
    t.diagnostic(`scenario ${sc.timings.totalMs} ms`);
    const r = await cli.run(PLAYBOOK, ...fast);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(r.report.hosts['node-a']!.outcome, 'unreachable');
    assert.deepEqual(r.rows.map((x) => [x.pod, x.watcher, x.host, x.verdict, x.action]), [
      ['ml/ingest-0', watcher, 'node-a', 'dead', 'node-a does not answer; fencing is off (-e rbd_fence_dead_nodes=true): nothing done'],
    ]);
    assert.deepEqual(changedTasks(r.report), []);
    assert.deepEqual(await blocklist(), []);
    assert.deepEqual(await watchers(sc, SPEC), [watcher]);
  });

  test('fencing on: --check says it would blocklist exactly that client and blocklists nothing', async () => {
    const r = await cli.run(PLAYBOOK, ...fast, '-e', 'rbd_fence_dead_nodes=true', '--check');
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.match(r.rows[0]!.action, new RegExp(`^WOULD blocklist ${watcher.replace(/\./g, '\\.')} for 3600 s: `));
    assert.deepEqual(await blocklist(), []);
  });

  test('fencing on: the watcher\'s client is blocklisted with the expiry, the watcher is gone, the pod can start', async () => {
    const t0 = Date.now();
    const r = await cli.run(PLAYBOOK, ...fast, '-e', 'rbd_fence_dead_nodes=true', '-e', 'rbd_pod_wait=0');
    assert.equal(r.code, 5, r.stdout + r.stderr);
    fenceRun = r.report.runId;
    assert.deepEqual(changedTasks(r.report), ['control: fence watchers of unreachable hosts (ceph osd blocklist add): changed']);
    assert.equal(r.rows[0]!.action, `DONE: blocklist ${watcher} for 3600 s; watcher gone`);
    const bl = await blocklist();
    assert.equal(bl.length, 1);
    const [addr, until] = bl[0]!.split(' ');
    assert.equal(addr, watcher);
    const ttl = (Date.parse(until!) - t0) / 1000;
    assert.ok(ttl > 3500 && ttl < 3700, `blocklist expiry ${until}`);
    assert.deepEqual(await watchers(sc, SPEC), []);
    assert.deepEqual((await sc.reconcile('node-b')).map((x) => x.result), ['running']);
    const again = await cli.run(PLAYBOOK, ...fast, '-e', 'rbd_fence_dead_nodes=true');
    assert.equal(again.code, 5);
    assert.deepEqual(changedTasks(again.report), []);
  });

  test('rollback lifts the blocklist entry (ceph osd blocklist rm)', async () => {
    const rb = await cli.rollback(fenceRun);
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.deepEqual(await blocklist(), []);
  });
});
