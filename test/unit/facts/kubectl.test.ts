// kubectl facts: events (JSON and describe), PVs, pods and VolumeAttachments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseKubectlDescribeEvents, parseKubectlEvents, parsePods, parsePv, parsePvs, parseVolumeAttachments, volumeFromMessage,
  type KubeEvent,
} from '../../../src/facts/kubectl.js';
import { fixture, sample } from './fixtures.js';

type E = [namespace: string | null, pod: string | null, reason: string | null, type: string | null, volume: string | null, valid: boolean];
const e = (x: KubeEvent): E => [x.namespace, x.pod, x.reason, x.type, x.volume, x.valid];

describe('volumeFromMessage', () => {
  const table: Array<[string, string | null, string | null]> = [
    ['Multi-Attach error for volume "pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed" Volume is already exclusively attached to one node and can\'t be attached to another',
      'pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed', null],
    ['MountVolume.MountDevice failed for volume "pvc-1bf69589" : rbd: failed to mount device /dev/rbd8', 'pvc-1bf69589', null],
    ['rbd image kube/csi-vol-880ec27e is still being used', 'kube/csi-vol-880ec27e', 'kube/csi-vol-880ec27e'],
    ['MountVolume.MountDevice failed for volume "pvc-a" : rpc error: code = Internal desc = rbd image kube/csi-vol-b is still being used',
      'pvc-a', 'kube/csi-vol-b'],
    ['Started container nginx', null, null],
  ];
  for (const [msg, volume, image] of table) {
    it(`finds ${JSON.stringify(volume)} in "${msg.slice(0, 40)}..."`, () => {
      assert.deepEqual(volumeFromMessage(msg), { volume, rbdImage: image });
    });
  }
});

describe('parseKubectlEvents', () => {
  it('reads a core/v1 event list: pods, volumes, rbd images, and a hostile event marked invalid', () => {
    const r = parseKubectlEvents(fixture('kubectl/events-corev1.json'));
    assert.equal(r.recognized, true);
    assert.deepEqual(r.events.map(e), [
      ['gpu', 'trainer-0', 'FailedAttachVolume', 'Warning', 'pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed', true],
      ['prod', 'db-1', 'FailedMount', 'Warning', 'pvc-abdbb7ea-5da6-47f3-8b76-b968a93b7bc1', true],
      ['kube-system', 'legacy-0', 'FailedMount', 'Warning', 'pvc-1bf69589-9a3e-11e9-8a29-fa163e4f4b8e', true],
      ['prod', 'db-1', 'FailedMount', 'Warning', 'kube/ns1/csi-vol-0aa0ec27e-5b75-11ed-a252-fa163ee74632', true],
      ['prod', null, 'ExternalProvisioning', 'Normal', null, true],
      ['prod', 'evil$(id)', 'FailedAttachVolume', 'Warning', 'pvc-x;reboot', false],
    ]);
    assert.equal(r.events[1]!.rbdImage, 'kube/csi-vol-880ec27e-5b75-11ed-a252-fa163ee74632');
    assert.deepEqual([r.events[1]!.lastSeen, r.events[1]!.count], ['2024-04-04T16:20:00Z', 7]);
    assert.equal(r.events[4]!.kind, 'PersistentVolumeClaim');
    assert.match(r.events[5]!.invalidReason!, /name "evil\$\(id\)" is not a Kubernetes object name; volume "pvc-x;reboot"/);
  });

  it('reads an events.k8s.io/v1 list (regarding, note, series)', () => {
    const r = parseKubectlEvents(fixture('kubectl/events-eventsv1.json'));
    assert.deepEqual(r.events.map(e), [
      ['gpu', 'trainer-0', 'FailedAttachVolume', 'Warning', 'pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed', true],
      ['default', null, 'NodeNotReady', 'Normal', null, true],
    ]);
    assert.deepEqual(r.events.map((x) => [x.lastSeen, x.count]), [['2024-04-04T16:14:02Z', 4], ['2024-04-04T16:31:00.000000Z', 2]]);
  });

  it('when the text is not an event list then nothing is recognized', () => {
    assert.equal(parseKubectlEvents('error: the server does not have a resource type "evnts"').recognized, false);
    assert.equal(parseKubectlEvents('{"kind":"PodList"}').recognized, false);
    assert.deepEqual(parseKubectlEvents('{"kind":"List","items":[]}').events, []);
  });

  it('serialises an event with namespace, pod, reason, type, message, volume first', () => {
    const json = JSON.parse(JSON.stringify(parseKubectlEvents(fixture('kubectl/events-corev1.json')))) as { events: object[] };
    assert.deepEqual(Object.keys(json.events[0]!).slice(0, 6), ['namespace', 'pod', 'reason', 'type', 'message', 'volume']);
  });
});

describe('parseKubectlDescribeEvents', () => {
  it('reads the Multi-Attach sample table (From with a space)', () => {
    const r = parseKubectlDescribeEvents(sample('kubectl-describe-pod-events-multiattach-k8s-96142-1.txt'));
    assert.equal(r.recognized, true);
    assert.deepEqual(r.events.map((x) => [x.type, x.reason, x.age, x.volume]), [
      ['Warning', 'FailedAttachVolume', '71s', 'pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed'],
      ['Normal', 'SuccessfulAttachVolume', '55s', 'pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed'],
      ['Normal', 'Pulled', '37s', null],
      ['Normal', 'Created', '37s', null],
      ['Normal', 'Started', '37s', null],
    ]);
    assert.equal(r.events[0]!.message, 'Multi-Attach error for volume "pvc-7a81d56f-1cf9-11eb-8295-b6961e0a47ed" Volume is already exclusively attached to one node and can\'t be attached to another');
    assert.equal(r.events[2]!.message, 'Container image "ccr.ccs.tencentyun.com/qcloud/nginx:1.9" already present on machine');
    assert.deepEqual(r.warnings, []);
  });

  it('reads a full describe: pod name and namespace, ages with spaces, a multi-line message', () => {
    const r = parseKubectlDescribeEvents(fixture('kubectl/describe-pod-full.txt'));
    assert.deepEqual(r.events.map((x) => [x.namespace, x.pod, x.reason, x.age, x.volume]), [
      ['gpu', 'trainer-0', 'Scheduled', '12m', null],
      ['gpu', 'trainer-0', 'FailedAttachVolume', '12m', 'pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed'],
      ['gpu', 'trainer-0', 'FailedMount', '3m (x5 over 10m)', null],
      ['gpu', 'trainer-0', 'FailedMount', '46s (x3 over 4m50s)', 'pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed'],
    ]);
    assert.match(r.events[3]!.message!, /\n\/dev\/rbd8: Unattached inode 303\n\/dev\/rbd8: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY\.$/);
  });

  it('when a pod has `Events: <none>` then the list is empty and recognized', () => {
    assert.deepEqual(parseKubectlDescribeEvents(fixture('kubectl/describe-pod-no-events.txt')), { events: [], recognized: true, warnings: [] });
  });

  it('when there is no Events section then nothing is recognized', () => {
    assert.equal(parseKubectlDescribeEvents('Error from server (NotFound): pods "x" not found').recognized, false);
  });
});

describe('parsePv', () => {
  it('reads the ceph-csi PV sample (converted to JSON): pool and imageName from volumeAttributes', () => {
    const pv = parsePv(fixture('kubectl/pv-cephcsi-deckhouse-1.json'));
    assert.deepEqual(pv, {
      name: 'pvc-abdbb7ea-5da6-47f3-8b76-b968a93b7bc1',
      claim: { namespace: 'default', name: 'sample' },
      driver: 'csi',
      pool: 'kube',
      image: 'csi-vol-880ec27e-5b75-11ed-a252-fa163ee74632',
      fsType: 'ext4',
      monitors: null,
      csiDriver: 'rbd.csi.ceph.com',
      radosNamespace: null,
      volumeHandle: '0001-0024-60f356ee-7c2d-4556-81be-c24b34a30b2a-0000000000000005-880ec27e-5b75-11ed-a252-fa163ee74632',
      clusterID: '60f356ee-7c2d-4556-81be-c24b34a30b2a',
      phase: 'Bound',
      isRbd: true,
      valid: true,
      reason: null,
    });
  });

  it('reads the in-tree rbd PV sample (converted to JSON): spec.rbd pool, image, monitors', () => {
    const pv = parsePv(JSON.parse(fixture('kubectl/pv-intree-rbd-deckhouse-1.json')));
    assert.deepEqual(
      [pv.name, pv.claim, pv.driver, pv.pool, pv.image, pv.fsType, pv.monitors, pv.isRbd, pv.valid],
      ['pvc-cd6f7b26-d768-4cab-88a4-baca5b242cc5', { namespace: 'default', name: 'data-test-0' }, 'rbd', 'kube',
        'kubernetes-dynamic-pvc-f32fea79-d658-4ab1-967a-fb6e8f930dec', null, ['192.168.4.215:6789'], true, true],
    );
  });

  it('when the PV is not RBD then driver names the source and pool/image are null', () => {
    const pv = parsePv(fixture('kubectl/pv-nfs.json'));
    assert.deepEqual([pv.driver, pv.pool, pv.image, pv.isRbd, pv.claim, pv.valid], ['nfs', null, null, false, null, true]);
  });

  it('when a ceph-csi image name is hostile then the PV is invalid; an operator-prefixed driver still counts as ceph-csi', () => {
    const pv = parsePv(fixture('kubectl/pv-csi-hostile.json'));
    assert.deepEqual([pv.csiDriver, pv.pool, pv.radosNamespace, pv.image, pv.fsType, pv.valid],
      ['rook-ceph.rbd.csi.ceph.com', 'replicapool', 'tenant-a', 'csi-vol-$(reboot)', 'xfs', false]);
    assert.match(pv.reason!, /image "csi-vol-\$\(reboot\)" is not a safe image name/);
  });

  it('when the input is not one PV then it says so', () => {
    assert.equal(parsePv('not json').valid, false);
    assert.equal(parsePv('{"kind":"Pod","metadata":{"name":"x"}}').valid, false);
    assert.equal(parsePvs(`{"kind":"List","items":[${fixture('kubectl/pv-nfs.json')},${fixture('kubectl/pv-cephcsi-deckhouse-1.json')}]}`).length, 2);
  });
});

describe('parsePods', () => {
  it('reads pods: node, phase, ContainerCreating (containers and init containers) and claims', () => {
    const pods = parsePods(fixture('kubectl/pods.json'));
    assert.deepEqual(pods.map((p) => [p.namespace, p.name, p.node, p.phase, p.containerCreating, p.pvcs, p.valid]), [
      ['gpu', 'trainer-0', 'worker-b', 'Pending', true, ['data-trainer-0', 'trainer-0-scratch'], true],
      ['prod', 'db-1', 'worker-a', 'Running', false, ['data-db-1'], true],
      ['prod', 'init-wait', null, 'Pending', true, [], true],
    ]);
  });
  it('when the input is not JSON then there are no pods', () => {
    assert.deepEqual(parsePods('No resources found'), []);
  });
});

describe('parseVolumeAttachments', () => {
  it('reads pv, node and attached per attachment', () => {
    const vas = parseVolumeAttachments(fixture('kubectl/volumeattachments.json'));
    assert.deepEqual(vas.map((v) => [v.pv, v.node, v.attached, v.attacher, v.valid]), [
      ['pvc-abdbb7ea-5da6-47f3-8b76-b968a93b7bc1', 'worker-a', true, 'rbd.csi.ceph.com', true],
      ['pvc-abdbb7ea-5da6-47f3-8b76-b968a93b7bc1', 'worker-b', false, 'rbd.csi.ceph.com', true],
    ]);
  });
});
