// The allow-list validators: what may reach a shell, and what must not.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  isCephAddress, isCephName, isDeviceName, isDmName, isHctl, isIpAddress, isK8sName, isMajMin, isMapName, isRbdDevice,
  isRbdImageName, isWwid,
} from '../../../src/facts/validate.js';

const HOSTILE = ['', ' ', '-', '--force', '$(id)', '`id`', 'a;b', 'a|b', 'a&b', 'a b', 'a\tb', 'a\nb', "a'b", 'a"b', 'a\\b', 'a*', '../x', '/dev/x', 'x\u0000'];

const TABLE: Array<[string, (s: unknown) => boolean, string[], string[]]> = [
  ['isDeviceName', isDeviceName, ['sda', 'sdz', 'sdaa', 'sdzzzz'], ['sd', 'sda1', 'sdA', 'sdi;reboot', '../sda', 'dm-1', 'nvme0n1', 'sdabcde', 'xsda']],
  ['isDmName', isDmName, ['dm-0', 'dm-12', 'dm-999999'], ['dm-', 'dm-1234567', 'dm-1a', 'dm1', 'DM-1']],
  ['isMapName', isMapName, ['mpatha', '3600a0980383138452d2b55794670776d', 'tex-lun4', 'fc-p6-vicepb', 'my_map.1', 'eui.0025388b71b00a35', 'a:b+c'],
    ['-mpatha', '.', '..', 'a/b', 'a'.repeat(129)]],
  ['isWwid', isWwid, ['3600a0980383138452d2b55794670776d', '1STORAGE_server_target2', 'nvme.8086-1234'], ['-1', '.x', 'a/b']],
  ['isHctl', isHctl, ['0:0:0:0', '39:0:0:1', '3:0:0:1086341120'], ['#:#:#:#', '1:2:3', '1:2:3:4:5', '1:0:0:9;id', 'a:b:c:d']],
  ['isMajMin', isMajMin, ['8:48', '66:112', '253:0'], ['#:#', '8', '8:', ':8', '8:48x']],
  ['isRbdDevice', isRbdDevice, ['/dev/rbd0', '/dev/rbd123'], ['/dev/rbd', '/dev/rbd0p1', '/dev/sda', 'rbd0', '/dev/rbd/kube/img', '/dev/nbd0', '/dev/rbd0 ']],
  ['isCephName', isCephName, ['kube', 'rbd', 'replicapool', '.mgr', 'kubernetes-dynamic-pvc-1bf69589-9a3e-11e9', 'csi-vol-880ec27e', 'a_b.c'],
    ['-p', 'a/b', 'img@snap', 'a:b', 'a=b', 'a+b', '..', 'a'.repeat(256)]],
  ['isRbdImageName', isRbdImageName, ['csi-snap-1'], ['x@y']],
  ['isIpAddress', isIpAddress, ['10.0.0.1', '0.0.0.0', '2001:db8::5', '::1'], ['10.0.0.256', '010.0.0.1', 'fe80::1%eth0', '10.0.0', 'localhost']],
  ['isCephAddress', isCephAddress, ['10.0.0.1:0/1', '[::1]:0/1', '10.0.0.1'], ['10.0.0.1:0/1 ', '10.0.0.1:0/x']],
  ['isK8sName', isK8sName, ['pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed', 'worker-a', 'a.b'], ['Worker', '-a', 'a-', 'a_b']],
];

describe('validators', () => {
  for (const [name, fn, good, bad] of TABLE) {
    it(`${name} accepts ${good.map((g) => JSON.stringify(g)).join(', ')}`, () => {
      for (const g of good) assert.equal(fn(g), true, g);
    });
    it(`${name} rejects hostile and near-miss values`, () => {
      for (const b of [...bad, ...HOSTILE]) assert.equal(fn(b), false, JSON.stringify(b));
      for (const b of [null, undefined, 1, {}, ['sda']]) assert.equal(fn(b), false);
    });
  }
});
