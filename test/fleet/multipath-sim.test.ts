// The multipath/SCSI simulator seen over real SSH, as a cleanup playbook sees a broken worker: the seed's
// residual map, real EIO and real hangs on reads, refusals of `multipath -f`, SCSI delete and rescan.
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCandidate, parseMultipath, parseMultipathdJson } from '../../src/facts/multipath.js';
import { fleetUnavailableReason, startFleet, type Fleet, type FleetNode } from './harness.js';
import {
  applyMultipath, loadMultipathSpec, multipathNodeCustomize, readMultipath, WORKER_IMAGE,
  type MultipathMapSpec, type MultipathSpec,
} from './multipath-sim.js';

/** Step 1 of SCENARIOS.md section 2, byte for byte (the header keeps the SCSI inquiry padding). */
const SEED_BLOCK = [
  'mpathb (3618cf24100f8f457014a764c000001f6) dm-12 HUAWEI  ,XSG1            ',
  "size=100G features='0' hwhandler='0' wp=rw",
  "`-+- policy='service-time 0' prio=-1 status=active",
  '  |- 39:0:0:1        sdi 8:48  failed faulty running',
  '  `- 38:0:0:1        sdj 8:64  failed faulty running',
].join('\n') + '\n';
const KUBELET_MOUNT = '/var/lib/kubelet/plugins/kubernetes.io/csi/pv/pvc-m/globalmount';

/** The seed plus one map per refusal case and a queueing map. */
function testSpec(): MultipathSpec {
  const seed = loadMultipathSpec();
  const map = (name: string, dm: number, mode: MultipathMapSpec['mode'], lun: number, devs: string[]): MultipathMapSpec => ({
    name, dm, mode, wwid: `3618cf24100f8f457014a764c00000a${String(dm).padStart(2, '0')}`, vendor: 'HUAWEI  ', product: 'XSG1            ',
    size: '10G', paths: devs.map((dev, i) => ({ dev, hctl: `${39 - i}:0:0:${lun}` })),
  });
  return {
    ...seed,
    maps: [...(seed.maps ?? []),
      map('mpathq', 14, 'queueing', 4, ['sdk', 'sdl']),
      map('mpathm', 15, 'dead', 5, ['sdm', 'sdn']),
      map('mpatho', 16, 'dead', 6, ['sdo']),
      map('mpathl', 17, 'dead', 7, ['sdp']),
      map('mpathu', 19, 'dead', 8, ['sdq'])],
    dms: [...(seed.dms ?? []), { name: 'vgdata-lvdata', dm: 18, uuid: 'LVM-fleetsweepsimvgdatalvdata', slaves: ['mpathl'] }],
    mounts: [{ source: '/dev/mapper/mpathm', target: KUBELET_MOUNT }],
    openers: [{ device: '/dev/dm-16' }],
  };
}

let fleet: Fleet | undefined;

before(async () => {
  const reason = await fleetUnavailableReason();
  assert.equal(reason, undefined, `fleet tests need docker and the node image: ${reason}`);
  const t0 = Date.now();
  fleet = await startFleet({ count: 2, firstAddress: '127.0.7.1', namePrefix: 'mpsim', image: WORKER_IMAGE, customize: multipathNodeCustomize });
  const started = Date.now();
  await Promise.all(fleet.nodes.map((n) => applyMultipath(fleet!, n, testSpec())));
  console.log(`# multipath-sim: 2 nodes up in ${started - t0} ms, simulator started and seeded in ${Date.now() - started} ms`);
});

after(async () => {
  await fleet?.close();
});

function started(): Fleet {
  assert.ok(fleet, 'the fleet did not start (see before())');
  return fleet;
}

interface Run { code: number | null; stdout: string; stderr: string }

function ssh(node: FleetNode, cmd: string, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile('ssh', [...started().sshArgs(node), cmd], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `cmd` over ssh without waiting for it. */
function sshBackground(node: FleetNode, cmd: string): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('ssh', [...started().sshArgs(node), cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => { stdout += String(b); });
    p.stderr.on('data', (b: Buffer) => { stderr += String(b); });
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Polls the simulator until `dev` has `n` open handles (a reader is in, and blocked). */
async function untilHandles(node: FleetNode, dev: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await readMultipath(started(), node)).use[dev]?.handles !== n) {
    assert.ok(Date.now() < deadline, `${dev} never had ${n} open handles`);
  }
}

const node1 = (): FleetNode => started().nodes[0]!;

test('multipath -ll over ssh prints the seed\'s residual block, and the project parser finds only it residual', async () => {
  await applyMultipath(started(), node1(), testSpec());
  const r = await ssh(node1(), 'multipath -ll');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(SEED_BLOCK), r.stdout);
  const topo = parseMultipath(r.stdout);
  assert.deepEqual(topo.warnings, []);
  assert.deepEqual(topo.maps.map((m) => [m.name, m.dm]), [
    ['mpatha', 'dm-3'], ['mpathb', 'dm-12'], ['mpathl', 'dm-17'], ['mpathm', 'dm-15'], ['mpathn', 'dm-5'],
    ['mpatho', 'dm-16'], ['mpathq', 'dm-14'], ['mpathu', 'dm-19']]);
  const b = topo.maps.find((m) => m.name === 'mpathb')!;
  assert.equal(b.wwid, '3618cf24100f8f457014a764c000001f6');
  assert.deepEqual(b.paths.map((p) => [p.hctl, p.dev, p.majmin, p.dmState, p.checkerState, p.devState]), [
    ['39:0:0:1', 'sdi', '8:48', 'failed', 'faulty', 'running'], ['38:0:0:1', 'sdj', '8:64', 'failed', 'faulty', 'running']]);
  assert.deepEqual(topo.maps.filter(isCandidate).map((m) => m.name), ['mpathb', 'mpathl', 'mpathm', 'mpatho', 'mpathq', 'mpathu']);
  assert.equal(topo.maps.find((m) => m.name === 'mpathq')!.queueIfNoPath, true);
});

test('multipathd show maps json and show map json parse into the same maps and path states (JSON carries no size)', async () => {
  const text = await ssh(node1(), 'multipath -ll');
  const json = await ssh(node1(), 'multipathd show maps json');
  assert.equal(json.code, 0, json.stderr);
  const fromJson = parseMultipathdJson(json.stdout);
  assert.deepEqual(fromJson.warnings, []);
  const strip = (maps: ReturnType<typeof parseMultipath>['maps']) =>
    maps.map((m) => ({ name: m.name, wwid: m.wwid, dm: m.dm, features: m.features, vendor: m.vendor, product: m.product,
      paths: m.paths.map((p) => [p.dev, p.majmin, p.dmState, p.checkerState, p.devState]) }));
  assert.deepEqual(strip(fromJson.maps), strip(parseMultipath(text.stdout).maps));
  const one = parseMultipathdJson((await ssh(node1(), 'multipathd show map mpathb json')).stdout);
  assert.deepEqual(one.maps.map((m) => [m.name, m.queueing, m.paths.length]), [['mpathb', 'off', 2]]);
});

test('a direct read of the dead map fails with a real EIO and a read of a healthy map succeeds', async () => {
  const dead = await ssh(node1(), 'dd if=/dev/dm-12 of=/dev/null count=1 bs=1M iflag=direct');
  assert.equal(dead.code, 1);
  assert.match(dead.stderr, /^dd: error reading '\/dev\/dm-12': Input\/output error\n0\+0 records in\n0\+0 records out\n/);
  const healthy = await ssh(node1(), 'dd if=/dev/dm-3 of=/dev/null count=1 bs=1M iflag=direct');
  assert.equal(healthy.code, 0, healthy.stderr);
  assert.match(healthy.stderr, /^1\+0 records in\n1\+0 records out\n1048576 bytes/);
  const viaMapper = await ssh(node1(), 'dd if=/dev/mapper/mpathn of=/dev/null count=1 bs=4k iflag=direct status=none');
  assert.equal(viaMapper.code, 0, viaMapper.stderr);
});

test('a direct read of a queueing map blocks until killed and leaves no process behind', async () => {
  await applyMultipath(started(), node1(), testSpec());
  const t0 = Date.now();
  const timedOut = await ssh(node1(), 'timeout 3 dd if=/dev/dm-14 of=/dev/null count=1 bs=1M iflag=direct');
  assert.equal(timedOut.code, 124, timedOut.stderr);
  assert.ok(Date.now() - t0 >= 3000);
  // the seed's way: find the hung dd from another shell and kill -9 it
  const hung = sshBackground(node1(), 'dd if=/dev/dm-14 of=/dev/null count=1 bs=10M iflag=direct; echo rc=$?');
  await untilHandles(node1(), 'dm-14', 1);
  const kill = await ssh(node1(), 'kill -9 $(pgrep -x dd)');
  assert.equal(kill.code, 0, kill.stderr);
  assert.equal((await hung).stdout, 'rc=137\n');
  const left = await ssh(node1(), 'pgrep -x dd');
  assert.equal(left.code, 1, `a dd survived: ${left.stdout}`);
  assert.equal((await readMultipath(started(), node1())).use['dm-14']?.handles, 0);
});

test('when queueing is disabled a blocked read of the queueing map fails with EIO and later reads fail fast', async () => {
  await applyMultipath(started(), node1(), testSpec());
  const blocked = sshBackground(node1(), 'dd if=/dev/dm-14 of=/dev/null count=1 bs=1M iflag=direct');
  await untilHandles(node1(), 'dm-14', 1);
  const busy = await ssh(node1(), 'multipath -f mpathq');
  assert.equal(busy.code, 1, 'the hung reader holds the map open');
  assert.match(busy.stderr, /\| mpathq: map in use\n$/);
  const off = await ssh(node1(), 'multipathd disablequeueing map mpathq');
  assert.deepEqual([off.code, off.stdout], [0, 'ok\n']);
  const r = await blocked;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error reading '\/dev\/dm-14': Input\/output error/);
  const again = await ssh(node1(), 'timeout 5 dd if=/dev/dm-14 of=/dev/null count=1 bs=1M iflag=direct');
  assert.equal(again.code, 1, again.stderr);
  assert.match((await ssh(node1(), 'multipath -ll mpathq')).stdout, /features='0'/);
  assert.match((await ssh(node1(), 'multipathd show map mpathq json')).stdout, /"queueing" : "off"/);
});

test('multipath -f refuses a mounted, an open and a held map, and removes an unused one with its device nodes', async () => {
  await applyMultipath(started(), node1(), testSpec());
  const n = node1();
  const seen = await ssh(n, `findmnt -n -o SOURCE,FSTYPE --source /dev/dm-15; fuser -s /dev/dm-16 && echo open16; fuser -s /dev/dm-12 || echo closed12; ls /sys/block/dm-17/holders`);
  assert.equal(seen.stdout, '/dev/mapper/mpathm fuse.ext4\nopen16\nclosed12\ndm-18\n', seen.stderr);
  for (const [ref, name] of [['mpathm', 'mpathm'], ['/dev/dm-16', 'mpatho'], ['mpathl', 'mpathl']] as const) {
    const r = await ssh(n, `multipath -f ${ref}`);
    assert.equal(r.code, 1, `${ref} must be refused`);
    assert.match(r.stderr, new RegExp(`^\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\| ${name}: map in use\\n$`));
  }
  const info = await ssh(n, 'dmsetup info -c --noheadings -o name,open mpathm mpatho mpathl mpathu');
  assert.deepEqual(info.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)), [['mpathm', '1'], ['mpatho', '1'], ['mpathl', '1'], ['mpathu', '0']]);
  const ok = await ssh(n, 'multipath -f mpathu');
  assert.deepEqual([ok.code, ok.stdout, ok.stderr], [0, '', '']);
  const gone = await ssh(n, 'ls /sys/block/dm-19 /dev/dm-19 /dev/mapper/mpathu /dev/disk/by-id/dm-name-mpathu 2>&1 | grep -c "No such file"; ls /sys/block/sdq/holders | wc -l; multipath -ll mpathu');
  assert.equal(gone.stdout, '4\n0\n', 'map, dev node, mapper and by-id links are gone; its path disk stays');
  const st = await readMultipath(started(), n);
  assert.deepEqual([Object.keys(st.maps).includes('mpathu'), st.disks['sdq']?.hctl], [false, '39:0:0:8']);
  assert.deepEqual(st.use['dm-15']?.mounts, [KUBELET_MOUNT]);
});

test('writing 1 to device/delete removes the disk everywhere and a host scan brings the LUN back', async () => {
  await applyMultipath(started(), node1(), testSpec());
  const n = node1();
  const del = await ssh(n, 'echo 1 > /sys/block/sdi/device/delete');
  assert.equal(del.code, 0, del.stderr);
  const after = await ssh(n, 'ls /sys/block | grep -cx sdi; ls /dev | grep -cx sdi; ls -l /dev/disk/by-id/ | grep -c "/sdi$"; ls /sys/block/dm-12/slaves; multipath -ll mpathb');
  assert.equal(after.stdout, '0\n0\n0\nsdj\n' + SEED_BLOCK.split('\n').filter((l) => !l.includes('sdi')).join('\n'), after.stderr);
  const scan = await ssh(n, 'echo "0 0 1" > /sys/class/scsi_host/host39/scan');
  assert.equal(scan.code, 0, scan.stderr);
  const back = await ssh(n, 'readlink /dev/disk/by-id/scsi-3618cf24100f8f457014a764c000001f6; cat /sys/block/sdi/dev /sys/block/sdi/device/hctl; ls /sys/block/sdi/holders');
  assert.equal(back.stdout, '../../sdi\n8:48\n39:0:0:1\ndm-12\n');
  const paths = parseMultipath((await ssh(n, 'multipath -ll mpathb')).stdout).maps[0]!.paths;
  assert.deepEqual(paths.map((p) => [p.dev, p.dmState, p.checkerState]).sort(), [['sdi', 'failed', 'faulty'], ['sdj', 'failed', 'faulty']]);
  const bad = await ssh(n, 'echo nonsense > /sys/class/scsi_host/host39/scan');
  assert.match(bad.stderr, /Invalid argument/);
});

test('the seed\'s manual cleanup leaves only the healthy maps, and the deleted disks nowhere', async () => {
  const n = started().nodes[1]!;
  await applyMultipath(started(), n, loadMultipathSpec());
  const probe = await ssh(n, 'dd if=/dev/dm-12 of=/dev/null count=1 bs=1M iflag=direct');
  assert.match(probe.stderr, /Input\/output error\n0\+0 records in/);
  const clean = await ssh(n, 'multipath -f /dev/dm-12 && echo 1 > /sys/block/sdi/device/delete && echo 1 > /sys/block/sdj/device/delete');
  assert.equal(clean.code, 0, clean.stderr);
  const ll = parseMultipath((await ssh(n, 'multipath -ll')).stdout);
  assert.deepEqual(ll.maps.map((m) => [m.name, m.dm, m.paths.map((p) => `${p.dev} ${p.dmState} ${p.checkerState} ${p.devState}`)]), [
    ['mpatha', 'dm-3', ['sdd active ready running', 'sde active ready running']],
    ['mpathn', 'dm-5', ['sdc active ready running', 'sdb active ready running']]]);
  const left = await ssh(n, 'ls /sys/block/ | tr "\\n" " "; ls -l /dev/disk/by-id/ | grep -cE "sd[ij]$|dm-12$"');
  assert.equal(left.stdout, 'dm-0 dm-1 dm-2 dm-3 dm-5 sda sdb sdc sdd sde sdh 0\n');
});

test('with an old multipath-tools a deleted path stays an orphan until multipath -r, and -F flushes every unused map', async () => {
  const n = started().nodes[1]!;
  await applyMultipath(started(), n, { ...loadMultipathSpec(), deletedPaths: 'orphan' });
  const orphan = await ssh(n, 'echo 1 > /sys/block/sdi/device/delete && multipath -ll mpathb');
  assert.match(orphan.stdout, /\n {2}\|- #:#:#:# +- +#:# +failed faulty running\n/);
  assert.match(orphan.stderr, /\| 8:48: cannot find block device\n/);
  const parsed = parseMultipath(orphan.stdout).maps[0]!;
  assert.deepEqual(parsed.paths.map((p) => [p.orphan, p.dev]), [[true, null], [false, 'sdj']]);
  assert.equal(isCandidate(parsed), true);
  const reload = await ssh(n, 'multipath -r');
  assert.match(reload.stdout, /^reload: mpathb \(3618cf24100f8f457014a764c000001f6\) dm-12 HUAWEI {2},XSG1/);
  assert.deepEqual(parseMultipath((await ssh(n, 'multipath -ll mpathb')).stdout).maps[0]!.paths.map((p) => p.dev), ['sdj']);
  const flushAll = await ssh(n, 'multipath -F; echo rc=$?; multipath -ll | wc -l; ls /dev/mapper');
  assert.equal(flushAll.stdout, 'rc=0\n0\ncentos-home\ncentos-root\ncentos-swap\ncontrol\n', flushAll.stderr);
  const create = await ssh(n, 'multipath -v1');
  assert.deepEqual(create.stdout.split('\n').filter(Boolean).sort(), ['mpatha', 'mpathb', 'mpathn']);
  const st = await readMultipath(started(), n);
  // re-created in path order (sdb, sdd, sdj) on the lowest free minors: same aliases, other dm-N
  assert.deepEqual(Object.values(st.maps).map((m) => [m.name, `dm-${m.dm}`]).sort(), [['mpatha', 'dm-4'], ['mpathb', 'dm-5'], ['mpathn', 'dm-3']]);
});

test('an unprivileged login can read the topology but needs sudo to delete a disk', async () => {
  const n = started().nodes[1]!;
  await applyMultipath(started(), n, loadMultipathSpec());
  const run = (cmd: string): Promise<Run> => new Promise((resolve) => {
    execFile('ssh', [...started().sshArgs(n, 'fleet'), cmd], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
  const denied = await run('echo 1 > /sys/block/sdj/device/delete');
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /Permission denied/);
  const viaSudo = await run('sudo multipath -ll mpathb | grep -c faulty; echo 1 | sudo tee /sys/block/sdj/device/delete >/dev/null; ls /sys/block | grep -c sdj');
  assert.equal(viaSudo.stdout, '2\n0\n', viaSudo.stderr);
  const k = await run('sudo multipathd -k"show map mpathb json" | grep -c \'"dev" : "sdi"\'');
  assert.equal(k.stdout, '1\n', k.stderr);
});
