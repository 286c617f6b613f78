// `multipathd show maps json` / `show map NAME json` parsing into the `multipath -ll` shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isCandidate, parseMultipathdJson, parseMultipath } from '../../../src/facts/multipath.js';
import { fixture, sample } from './fixtures.js';

describe('parseMultipathdJson', () => {
  it('reads the IBM ubiquity capture: one map whose only path failed, prompts as warnings', () => {
    const topo = parseMultipathdJson(sample('multipathd-show-maps-json-ibm-ubiquity-1.txt'));
    assert.deepEqual(topo.warnings, ['multipathd> list maps json', 'multipathd> exit']);
    assert.equal(topo.maps.length, 1);
    const m = topo.maps[0]!;
    assert.deepEqual(
      [m.name, m.wwid, m.dm, m.vendor, m.product, m.size, m.features, m.hwhandler, m.wp, m.queueing, m.queueIfNoPath],
      ['mpathp', '360050768029b8168e000000000006247', 'dm-3', 'IBM', '2145', null, '0', '0', 'rw', '5 chk', false],
    );
    assert.deepEqual(m.pathGroups, [{ policy: 'round-robin 0', prio: 0, status: 'active' }]);
    assert.deepEqual(m.paths.map((p) => [p.hctl, p.dev, p.majmin, p.dmState, p.checkerState, p.devState, p.group, p.valid]), [
      [null, 'sdb', '8:16', 'failed', 'faulty', 'running', 1, true],
    ]);
    assert.equal(m.valid, true);
    assert.equal(isCandidate(m), true);
  });

  it('reads `show map NAME json` (a single "map" object) with an i/o timeout path', () => {
    const topo = parseMultipathdJson(fixture('multipath/multipathd-show-map-json.txt'));
    assert.deepEqual(topo.warnings, []);
    const [m] = topo.maps;
    assert.deepEqual([m!.name, m!.dm, m!.vendor, m!.product, m!.queueing, m!.queueIfNoPath], ['mpathb', 'dm-12', 'HUAWEI', 'XSG1', 'on', true]);
    assert.deepEqual(m!.paths.map((p) => [p.dev, p.majmin, p.dmState, p.checkerState, p.devState]), [
      ['sdi', '8:48', 'failed', 'faulty', 'running'],
      ['sdj', '8:64', 'failed', 'i/o timeout', 'running'],
    ]);
    assert.equal(isCandidate(m!), true);
  });

  it('when maps mix healthy, hostile and pathless ones then each is classified on its own', () => {
    const topo = parseMultipathdJson(fixture('multipath/multipathd-maps-json-mixed.txt'));
    assert.deepEqual(topo.maps.map((m) => [m.name, m.dm, m.vendor, m.paths.length, m.valid, isCandidate(m)]), [
      ['mpatha', 'dm-3', 'HUAWEI', 2, true, false],
      ['mpathz', 'dm-14', null, 1, true, false],
      ['mpathy', 'dm-15', null, 0, true, true],
    ]);
    const [, z] = topo.maps;
    assert.equal(z!.paths[0]!.valid, false);
    assert.match(z!.paths[0]!.reason!, /dev "sdi;reboot" is not a SCSI disk name/);
    assert.deepEqual(topo.maps[0]!.paths.map((p) => p.checkerState), ['ready', 'i/o pending']);
  });

  it('when multipathd printed invalid JSON (an unescaped quote) then no map and a warning', () => {
    const topo = parseMultipathdJson(fixture('multipath/multipathd-json-broken.txt'));
    assert.deepEqual(topo.maps, []);
    assert.equal(topo.warnings.length, 1);
    assert.match(topo.warnings[0]!, /^multipathd json: invalid JSON/);
  });

  it('when the text holds no JSON then no map and a warning', () => {
    assert.deepEqual(parseMultipathdJson('error receiving packet\n'), {
      maps: [], warnings: ['error receiving packet', 'multipathd json: no JSON document found'],
    });
    assert.deepEqual(parseMultipathdJson('{"major_version": 0, "minor_version": 1}').maps, []);
  });

  it('gives the same shape as the text parser for the same map', () => {
    const fromJson = parseMultipathdJson(fixture('multipath/multipathd-show-map-json.txt')).maps[0]!;
    const fromText = parseMultipath(fixture('multipath/scenario-residual.txt')).maps[0]!;
    assert.deepEqual(Object.keys(fromJson), Object.keys(fromText));
    assert.deepEqual(Object.keys(fromJson.paths[0]!), Object.keys(fromText.paths[0]!));
  });
});
