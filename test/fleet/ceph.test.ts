// Fleet tests of the Ceph micro cluster and the rbd stand-in: watchers seen from the control node
// over real SSH carry the mapping node's storage address; unmap and blocklist remove them;
// a snapshot rollback restores the bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cephNodeCustomize, startCeph, WORKER_IMAGE, type CephCluster } from './ceph.js';
import { fleetUnavailableReason, startFleet, type Fleet, type FleetNode } from './harness.js';
import { parseRbdShowmapped, parseRbdStatus } from '../../src/facts/rbd.js';

const execFileP = promisify(execFile);
const CEPH_ADDRESS = '127.0.10.1';
/** node1 = control (no storage address), node2/node3 = workers on 127.0.20.2 / 127.0.20.3 */
const storageOf = (index: number): string => `127.0.20.${index + 1}`;

let ceph: CephCluster;
let fleet: Fleet;
let control: FleetNode;
let w1: FleetNode;
let w2: FleetNode;
let fleetMs = 0;

async function ssh(node: FleetNode, cmd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP('ssh', [...fleet.sshArgs(node), cmd], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function must(node: FleetNode, cmd: string): Promise<string> {
  const r = await fleet.exec(node, cmd);
  assert.equal(r.exitCode, 0, `${node.name}: ${cmd}: ${r.output}`);
  return r.stdout;
}

async function watchers(spec: string): Promise<string[]> {
  const r = await ssh(control, `rbd status --format json ${spec}`);
  assert.equal(r.code, 0, r.stderr);
  const st = parseRbdStatus(r.stdout);
  assert.equal(st.recognized, true, r.stdout);
  return st.watchers.map((w) => w.address ?? '?');
}

describe('ceph micro cluster and the rbd stand-in', () => {
  before(async () => {
    const reason = await fleetUnavailableReason();
    assert.equal(reason, undefined, `fleet tests need docker and the images: ${reason}`);
    ceph = await startCeph({ address: CEPH_ADDRESS, pools: ['rbd'], namePrefix: 'cephtest' });
    const t0 = Date.now();
    fleet = await startFleet({
      count: 3, firstAddress: '127.0.10.11', namePrefix: 'cephtest', image: WORKER_IMAGE,
      customize: (c, n) => cephNodeCustomize(ceph, n.index === 0 ? {} : { storageAddress: storageOf(n.index) })(c),
    });
    fleetMs = Date.now() - t0;
    [control, w1, w2] = fleet.nodes as [FleetNode, FleetNode, FleetNode];
  });

  after(async () => {
    await fleet?.close();
    await ceph?.close();
  });

  test('the cluster is usable within seconds of its start', (t) => {
    t.diagnostic(`ceph cluster ready in ${ceph.startMs} ms; 3 rbd client nodes ready in ${fleetMs} ms`);
    assert.ok(ceph.startMs < 60_000, `cluster start took ${ceph.startMs} ms`);
  });

  test('when a node maps an image then the control node sees its watcher from the node storage address', async () => {
    await must(control, 'rbd create rbd/vol1 --size 64M');
    const dev = (await must(w1, 'rbd map rbd/vol1')).trim();
    assert.match(dev, /^\/dev\/rbd\d+$/);
    const ws = await watchers('rbd/vol1');
    assert.equal(ws.length, 1);
    assert.ok(ws[0]!.startsWith(`${storageOf(1)}:0/`), `watcher ${ws[0]} is not from ${storageOf(1)}`);
    const plain = await ssh(control, 'rbd status vol1 -p rbd');
    assert.match(plain.stdout, new RegExp(`^Watchers:\\n\\twatcher=${storageOf(1).replace(/\./g, '\\.')}:0/\\d+ client\\.\\d+ cookie=\\d+\\n$`));
    const mapped = parseRbdShowmapped((await ssh(w1, 'rbd showmapped')).stdout);
    assert.deepEqual(mapped.mappings.map((m) => [m.pool, m.image, m.device]), [['rbd', 'vol1', dev]]);
  });

  test('when the node unmaps the image then the watcher is gone', async () => {
    const r = await ssh(w1, 'rbd unmap rbd/vol1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await watchers('rbd/vol1'), []);
    assert.equal((await ssh(w1, 'rbd showmapped')).stdout, '');
  });

  test('when a mapped device is mounted then unmap refuses like krbd, and -o force unmaps', async () => {
    const dev = (await must(w1, 'rbd map rbd/vol1')).trim();
    await must(w1, `mkfs.ext4 -q -F ${dev} && mkdir -p /mnt/v && fuse2fs ${dev} /mnt/v`);
    const busy = await ssh(w1, `rbd unmap ${dev}`);
    assert.equal(busy.code, 16);
    assert.equal(busy.stderr, 'rbd: sysfs write failed\nrbd: unmap failed: (16) Device or resource busy\n');
    assert.equal((await watchers('rbd/vol1')).length, 1);
    const forced = await ssh(w1, `rbd unmap -o force ${dev}`);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await watchers('rbd/vol1'), []);
    await must(w1, 'fusermount -uz /mnt/v');
  });

  test('when the node address is blocklisted then its watcher is evicted at once', async () => {
    await must(control, 'rbd create rbd/vol2 --size 64M');
    await must(w2, 'rbd map rbd/vol2');
    assert.equal((await watchers('rbd/vol2')).length, 1);
    const bl = await ssh(control, `ceph osd blocklist add ${storageOf(2)}`);
    assert.equal(bl.code, 0, bl.stderr);
    assert.match(bl.stderr, new RegExp(`^blocklisting ${storageOf(2).replace(/\./g, '\\.')}:0/0 until `));
    assert.deepEqual(await watchers('rbd/vol2'), []);
    await ssh(control, `ceph osd blocklist rm ${storageOf(2)}`);
  });

  test('when an image is rolled back to a snapshot then its bytes are restored', async () => {
    await must(control, 'rbd create rbd/vol3 --size 16M');
    const write = async (fill: string): Promise<void> => {
      const dev = (await must(w1, 'rbd map rbd/vol3')).trim();
      await must(w1, `python3 -c "import sys; sys.stdout.buffer.write(b'${fill}' * (1 << 20))" | dd of=${dev} bs=1M count=1 conv=notrunc,fsync iflag=fullblock status=none`);
      await must(w1, `rbd unmap ${dev}`);
    };
    const sum = async (): Promise<string> => {
      const dev = (await must(w1, 'rbd map rbd/vol3')).trim();
      const s = (await must(w1, `dd if=${dev} bs=1M count=1 status=none | sha256sum`)).split(' ')[0]!;
      await must(w1, `rbd unmap ${dev}`);
      return s;
    };
    await write('A');
    const before = await sum();
    assert.equal((await ssh(control, 'rbd snap create --no-progress rbd/vol3@s1')).code, 0);
    await write('B');
    assert.notEqual(await sum(), before);
    const rb = await ssh(control, 'rbd snap rollback --no-progress rbd/vol3@s1');
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(await sum(), before);
  });
});
