// `multipath -ll` / `multipath -l` parsing: recorded outputs in, topology out; plus the classifications.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasHealthyPath, isCandidate, parseMultipath, pathIsFailed, type MultipathMap, type MultipathPath,
} from '../../../src/facts/multipath.js';
import { isDeviceName } from '../../../src/facts/validate.js';
import { fixture, sample } from './fixtures.js';

type PathRow = [hctl: string | null, dev: string | null, majmin: string | null, dm: string | null, checker: string | null, devState: string | null];

interface MapExpect {
  name: string;
  wwid: string | null;
  dm: string | null;
  vendor: string | null;
  product: string | null;
  size: string | null;
  features: string | null;
  hwhandler: string | null;
  wp: string | null;
  groups: Array<[policy: string | null, prio: number | null, status: string | null]>;
  paths: PathRow[];
  /** group index of each path */
  pathGroups?: Array<number | null>;
  valid: boolean;
  candidate: boolean;
  healthy: boolean;
}

interface Case {
  what: string;
  text: string;
  maps: MapExpect[];
  warnings: string[];
}

const row = (p: MultipathPath): PathRow => [p.hctl, p.dev, p.majmin, p.dmState, p.checkerState, p.devState];

function checkMap(m: MultipathMap, e: MapExpect): void {
  assert.deepEqual(
    { name: m.name, wwid: m.wwid, dm: m.dm, vendor: m.vendor, product: m.product, size: m.size, features: m.features, hwhandler: m.hwhandler, wp: m.wp },
    { name: e.name, wwid: e.wwid, dm: e.dm, vendor: e.vendor, product: e.product, size: e.size, features: e.features, hwhandler: e.hwhandler, wp: e.wp },
  );
  assert.deepEqual(m.pathGroups.map((g) => [g.policy, g.prio, g.status]), e.groups);
  assert.deepEqual(m.paths.map(row), e.paths);
  if (e.pathGroups) assert.deepEqual(m.paths.map((p) => p.group), e.pathGroups);
  assert.equal(m.valid, e.valid, `valid of ${m.name}: ${m.reason}`);
  assert.equal(isCandidate(m), e.candidate, `candidate ${m.name}`);
  assert.equal(hasHealthyPath(m), e.healthy, `healthy ${m.name}`);
}

const ACTIVE_READY = (hctl: string, dev: string, mm: string): PathRow => [hctl, dev, mm, 'active', 'ready', 'running'];

const CASES: Case[] = [
  {
    what: 'the 3PAR multipath -ll sample (alias, ALUA, four active ready paths)',
    text: sample('multipath-ll-3par-mikeqoo1-note-1.txt'),
    maps: [{
      name: 'mpatha', wwid: '360002ac0000000000000000f00028638', dm: 'dm-3', vendor: '3PARdata', product: 'VV',
      size: '1.0T', features: '1 queue_if_no_path', hwhandler: '1 alua', wp: 'rw',
      groups: [['service-time 0', 50, 'active']],
      paths: [
        ACTIVE_READY('25:0:0:0', 'sdb', '8:16'), ACTIVE_READY('25:0:1:0', 'sdc', '8:32'),
        ACTIVE_READY('26:0:0:0', 'sdd', '8:48'), ACTIVE_READY('26:0:2:0', 'sde', '8:64'),
      ],
      pathGroups: [1, 1, 1, 1], valid: true, candidate: false, healthy: true,
    }],
    warnings: [],
  },
  {
    what: 'the NetApp Trident sample (no alias, product with a space, one path)',
    text: sample('multipath-ll-netapp-trident-issue998-1.txt'),
    maps: [{
      name: '3600a0980383138452d2b55794670776d', wwid: '3600a0980383138452d2b55794670776d', dm: 'dm-0',
      vendor: 'NETAPP', product: 'LUN C-Mode', size: '256G', features: '3 queue_if_no_path pg_init_retries 50',
      hwhandler: '1 alua', wp: 'rw', groups: [['service-time 0', 10, 'active']],
      paths: [ACTIVE_READY('2:0:0:0', 'sda', '8:0')], valid: true, candidate: false, healthy: true,
    }],
    warnings: [],
  },
  {
    what: 'the Huawei Dorado multipath -l sample (no checker run: undef / unknown)',
    text: sample('multipath-l-huawei-dorado-opensvc-1.txt'),
    maps: [{
      name: '36cc64a61008314970bd4f5ea00000052', wwid: '36cc64a61008314970bd4f5ea00000052', dm: 'dm-7',
      vendor: 'HUAWEI', product: 'XSG1', size: '2.0G', features: '0', hwhandler: '0', wp: 'rw',
      groups: [['round-robin 0', 0, 'active']],
      paths: [
        ['18:0:2:6', 'sdah', '66:16', 'active', 'undef', 'unknown'],
        ['16:0:2:6', 'sdal', '66:80', 'active', 'undef', 'unknown'],
        ['18:0:3:6', 'sdaj', '66:48', 'active', 'undef', 'unknown'],
        ['16:0:3:6', 'sdan', '66:112', 'active', 'undef', 'unknown'],
      ],
      valid: true, candidate: false, healthy: false,
    }],
    warnings: [],
  },
  {
    what: 'the residual map of the field notes next to a healthy one',
    text: fixture('multipath/scenario-residual.txt'),
    maps: [
      {
        name: 'mpathb', wwid: '3618cf24100f8f457014a764c000001f6', dm: 'dm-12', vendor: 'HUAWEI', product: 'XSG1',
        size: '100G', features: '0', hwhandler: '0', wp: 'rw', groups: [['service-time 0', -1, 'active']],
        paths: [['39:0:0:1', 'sdi', '8:48', 'failed', 'faulty', 'running'], ['38:0:0:1', 'sdj', '8:64', 'failed', 'faulty', 'running']],
        valid: true, candidate: true, healthy: false,
      },
      {
        name: 'mpatha', wwid: '3618cf24100f8f457014a764c000001f0', dm: 'dm-3', vendor: 'HUAWEI', product: 'XSG1',
        size: '100G', features: '0', hwhandler: '0', wp: 'rw', groups: [['service-time 0', 50, 'active']],
        paths: [ACTIVE_READY('39:0:0:0', 'sdg', '8:32'), ACTIVE_READY('38:0:0:0', 'sdh', '8:16')],
        valid: true, candidate: false, healthy: true,
      },
    ],
    warnings: [],
  },
  {
    what: 'a map named by its wwid with two path groups and a ghost path',
    text: fixture('multipath/wwid-less-two-groups.txt'),
    maps: [{
      name: '3600601601bd032007c097518e96ae411', wwid: '3600601601bd032007c097518e96ae411', dm: 'dm-2', vendor: 'DGC',
      product: 'VRAID', size: '1.0G', features: '1 queue_if_no_path', hwhandler: '1 alua', wp: 'rw',
      groups: [['round-robin 0', 130, 'active'], ['round-robin 0', 10, 'enabled']],
      paths: [
        ACTIVE_READY('3:0:0:2', 'sdd', '8:48'), ACTIVE_READY('5:0:0:2', 'sdj', '8:144'),
        ['4:0:0:2', 'sdg', '8:96', 'active', 'ghost', 'running'], ['6:0:0:2', 'sdm', '8:192', 'failed', 'faulty', 'running'],
      ],
      pathGroups: [1, 1, 2, 2], valid: true, candidate: false, healthy: true,
    }],
    warnings: [],
  },
  {
    what: '`##,##` and empty vendor maps whose paths are all orphans',
    text: fixture('multipath/vendor-hashes-orphans.txt'),
    maps: [
      {
        name: '200173800fdf51072', wwid: '200173800fdf51072', dm: 'dm-0', vendor: null, product: null, size: '16G',
        features: '1 queue_if_no_path', hwhandler: '0', wp: 'rw', groups: [['round-robin 0', 0, 'enabled']],
        paths: [[null, null, null, 'failed', 'faulty', 'running'], [null, null, null, 'active', 'faulty', 'running']],
        valid: true, candidate: true, healthy: false,
      },
      {
        name: '3600601601bd032007c097518e96ae411', wwid: '3600601601bd032007c097518e96ae411', dm: 'dm-2', vendor: null,
        product: null, size: '1.0G', features: '1 queue_if_no_path', hwhandler: '1 alua', wp: 'rw',
        groups: [['round-robin 0', 0, 'active']], paths: [[null, null, null, 'active', 'undef', 'running']],
        valid: true, candidate: true, healthy: false,
      },
    ],
    warnings: [],
  },
  {
    what: 'maps with no paths at all next to a map with a path',
    text: fixture('multipath/no-paths.txt'),
    maps: [
      {
        name: 'mpathb', wwid: '36000d774000045f655ea91cb4ea41d6f', dm: 'dm-1', vendor: null, product: null, size: '1.9T',
        features: '1 queue_if_no_path', hwhandler: '0', wp: 'rw', groups: [], paths: [], valid: true, candidate: true, healthy: false,
      },
      {
        name: 'mpatha', wwid: '36000d77b000048d117c68c81bf7c160a', dm: 'dm-0', vendor: null, product: null, size: '2.0T',
        features: '0', hwhandler: '0', wp: 'rw', groups: [], paths: [], valid: true, candidate: true, healthy: false,
      },
      {
        name: 'mpathc', wwid: '36000d77b000048d117c68c81bf7c1611', dm: 'dm-4', vendor: 'FALCON', product: 'IPSTOR DISK',
        size: '2.0T', features: '0', hwhandler: '0', wp: 'rw', groups: [['round-robin 0', 1, 'active']],
        paths: [ACTIVE_READY('3:0:1:0', 'sdi', '8:128')], valid: true, candidate: false, healthy: true,
      },
    ],
    warnings: [],
  },
  {
    what: 'two-word checker states (i/o pending, i/o timeout) and padded columns',
    text: fixture('multipath/io-pending-timeout.txt'),
    maps: [
      {
        name: 'mpathd', wwid: '3600a098038303053453f463045727a46', dm: 'dm-5', vendor: 'NETAPP', product: 'LUN C-Mode',
        size: '20G', features: '3 queue_if_no_path pg_init_retries 50', hwhandler: '1 alua', wp: 'rw',
        groups: [['service-time 0', 0, 'enabled'], ['service-time 0', 0, 'enabled']],
        paths: [
          ['7:0:0:3', 'sdq', '65:0', 'failed', 'i/o pending', 'running'],
          ['8:0:0:3', 'sdr', '65:16', 'active', 'i/o timeout', 'running'],
          ['9:0:0:3', 'sds', '65:32', 'failed', 'faulty', 'offline'],
          ['10:0:0:3', 'sdt', '65:48', 'active', 'shaky', 'running'],
        ],
        pathGroups: [1, 1, 2, 2], valid: true, candidate: true, healthy: false,
      },
      {
        name: 'mpathe', wwid: '3600a098038303053453f463045727a47', dm: 'dm-6', vendor: 'NETAPP', product: 'LUN C-Mode',
        size: '20G', features: '0', hwhandler: '1 alua', wp: 'rw', groups: [['service-time 0', 0, 'enabled']],
        paths: [['7:0:0:4', 'sdu', '65:64', 'active', 'i/o pending', 'running'], ['8:0:0:4', 'sdv', '65:80', 'failed', 'faulty', 'running']],
        valid: true, candidate: false, healthy: false,
      },
    ],
    warnings: [],
  },
  {
    what: 'log lines before the first map and between maps',
    text: fixture('multipath/warnings-before-first-map.txt'),
    maps: [
      {
        name: 'mpatha', wwid: '360002ac0000000000000000f00028638', dm: 'dm-3', vendor: '3PARdata', product: 'VV', size: '1.0T',
        features: '1 queue_if_no_path', hwhandler: '1 alua', wp: 'rw', groups: [['service-time 0', 50, 'active']],
        paths: [ACTIVE_READY('25:0:0:0', 'sdb', '8:16'), ACTIVE_READY('26:0:2:0', 'sde', '8:64')],
        valid: true, candidate: false, healthy: true,
      },
      {
        name: 'mpathb', wwid: '360002ac0000000000000000f00028639', dm: 'dm-4', vendor: '3PARdata', product: 'VV', size: '1.0T',
        features: '1 queue_if_no_path', hwhandler: '1 alua', wp: 'rw', groups: [['service-time 0', 0, 'enabled']],
        paths: [['26:0:2:1', 'sdh', '8:112', 'failed', 'faulty', 'running']], valid: true, candidate: true, healthy: false,
      },
    ],
    warnings: [
      "Apr 04 16:13:40 | sde: couldn't get target port group",
      "Apr 04 16:13:40 | sdf: couldn't get target port group",
      '1712247220.118 | sdg: alua not supported',
      "Apr 04 16:13:41 | sdh: couldn't get target port group",
    ],
  },
  {
    what: 'the 0.4.9 bracket format with two groups',
    text: fixture('multipath/old-0.4.9.txt'),
    maps: [
      {
        name: 'databases', wwid: '360a9800057396d4e4a5a623454317175', dm: 'dm-5', vendor: 'NETAPP', product: 'LUN', size: '200G',
        features: '1 queue_if_no_path', hwhandler: '0', wp: 'rw', groups: [['round-robin 0', 8, 'active'], ['round-robin 0', 2, 'enabled']],
        paths: [
          ['0:0:0:0', 'sda', '8:0', 'active', 'ready', null], ['1:0:0:0', 'sde', '8:64', 'active', 'ready', null],
          ['0:0:1:0', 'sdc', '8:32', 'failed', 'faulty', null], ['1:0:1:0', 'sdg', '8:96', 'active', 'ghost', null],
        ],
        pathGroups: [1, 1, 2, 2], valid: true, candidate: false, healthy: true,
      },
      {
        name: 'tex-lun4', wwid: '3600000e00d0000000002161200120000', dm: 'dm-7', vendor: 'FUJITSU', product: 'ETERNUS_DXL',
        size: '1.2T', features: '1 queue_if_no_path', hwhandler: '0', wp: null, groups: [['round-robin 0', 0, 'active']],
        paths: [['7:0:1:4', 'sdt', '65:48', 'failed', 'faulty', null], ['2:0:1:4', 'sdu', '65:64', 'failed', 'faulty', null]],
        valid: true, candidate: true, healthy: false,
      },
    ],
    warnings: [],
  },
  {
    what: 'the 0.4.5 (RHEL 4) format: no dm column, quoted features, one state per path',
    text: fixture('multipath/old-0.4.5-rhel4.txt'),
    maps: [{
      name: 'MYVOLUME', wwid: '36005076801810523100000000000006f', dm: null, vendor: null, product: null, size: '576 GB',
      features: '1 queue_if_no_path', hwhandler: '0', wp: null, groups: [['round-robin 0', null, 'active']],
      paths: [['13:0:1:0', 'sdc', '8:32', 'active', null, null], ['14:0:1:0', 'sdh', '8:112', 'failed', null, null]],
      valid: true, candidate: false, healthy: false,
    }],
    warnings: [],
  },
  {
    what: 'padded vendor and product, spaces and a slash in a product, a props line with only size',
    text: fixture('multipath/padded-vendor-product.txt'),
    maps: [
      {
        name: '36005076801d9053a180000000002ccd3', wwid: '36005076801d9053a180000000002ccd3', dm: 'dm-0', vendor: 'IBM', product: '2145',
        size: '1.0G', features: '1 queue_if_no_path', hwhandler: '0', wp: 'rw', groups: [['round-robin 0', 10, 'active']],
        paths: [ACTIVE_READY('5:0:0:0', 'sdb', '8:16')], valid: true, candidate: false, healthy: true,
      },
      {
        name: '36003005700f0eb70160c9b590a77c13e', wwid: '36003005700f0eb70160c9b590a77c13e', dm: 'dm-1', vendor: 'LSI',
        product: 'RAID 5/6 SAS 6G', size: '136G', features: '0', hwhandler: '0', wp: 'rw', groups: [['round-robin 0', 0, 'active']],
        paths: [['0:2:0:0', 'sda', '8:0', 'active', 'undef', 'running']], valid: true, candidate: false, healthy: false,
      },
      {
        name: '3600a0980383138452d2b55794670776d', wwid: '3600a0980383138452d2b55794670776d', dm: 'dm-9', vendor: 'NETAPP',
        product: 'LUN C-Mode', size: '256G', features: null, hwhandler: null, wp: null, groups: [['service-time 0', 10, 'active']],
        paths: [ACTIVE_READY('2:0:0:0', 'sdk', '8:160')], valid: true, candidate: false, healthy: true,
      },
    ],
    warnings: [],
  },
  {
    what: 'CRLF line ends, trailing blanks, a `create:` prefix and an `undef` dm',
    text: fixture('multipath/crlf-create-undef.txt'),
    maps: [{
      name: 'mpathf', wwid: '3600a098038303053453f463045727a50', dm: null, vendor: 'NETAPP', product: 'LUN C-Mode', size: '10G',
      features: '0', hwhandler: '1 alua', wp: 'undef', groups: [['service-time 0', 50, 'undef']],
      paths: [['3:0:0:9', 'sdaa', '65:160', 'undef', 'ready', 'running']], valid: true, candidate: false, healthy: false,
    }],
    warnings: [],
  },
  {
    what: 'a WWID glued to its dm name (0.4.8) and a line no grammar knows inside a map',
    text: fixture('multipath/glued-and-unknown-lines.txt'),
    maps: [
      {
        name: '360a98000503361754b5a58724f6f7a59', wwid: '360a98000503361754b5a58724f6f7a59', dm: 'dm-2', vendor: 'NETAPP', product: 'LUN',
        size: '450G', features: '1 queue_if_no_path', hwhandler: '1 emc', wp: 'rw', groups: [['round-robin 0', 0, 'active']],
        paths: [['2:0:0:1', 'sdi', '8:128', 'failed', 'faulty', 'running']], valid: true, candidate: true, healthy: false,
      },
      {
        name: 'mpathq', wwid: '3600a098038303053453f463045727a51', dm: 'dm-11', vendor: 'NETAPP', product: 'LUN', size: '10G',
        features: '0', hwhandler: '0', wp: 'rw', groups: [['service-time 0', 0, 'enabled']],
        paths: [['3:0:0:10', 'sdab', '65:176', 'failed', 'faulty', 'running'], ['4:0:0:10', 'sdac', '65:192', 'failed', 'faulty', 'running']],
        // a line we could not read might have been the healthy path: never a candidate
        valid: false, candidate: false, healthy: false,
      },
    ],
    warnings: ['map "mpathq": unrecognised line: this line belongs to no grammar'],
  },
];

describe('parseMultipath', () => {
  for (const c of CASES) {
    it(`reads ${c.what}`, () => {
      const topo = parseMultipath(c.text);
      assert.equal(topo.maps.length, c.maps.length, JSON.stringify(topo.maps.map((m) => m.name)));
      c.maps.forEach((e, i) => checkMap(topo.maps[i]!, e));
      assert.deepEqual(topo.warnings, c.warnings);
    });
  }

  it('when a path names a hostile device then the path is returned invalid with a reason and the map is no candidate', () => {
    const topo = parseMultipath(fixture('multipath/hostile-names.txt'));
    assert.deepEqual(topo.maps.map((m) => m.name), ['mpathx', '$(reboot)', 'mpathy', 'mpathz']);
    const [x, reboot, y, z] = topo.maps as [MultipathMap, MultipathMap, MultipathMap, MultipathMap];
    assert.deepEqual(x.paths.map((p) => [p.dev, p.valid]), [['sdi;reboot', false], ['../sda', false], ['$(id)', false]]);
    for (const p of x.paths) assert.match(p.reason!, /^dev ".*" is not a SCSI disk name/);
    assert.equal(x.valid, true);
    assert.equal(isCandidate(x), false);
    // a hostile map name taints the map, even with a clean failed path
    assert.equal(reboot.valid, false);
    assert.match(reboot.reason!, /map name "\$\(reboot\)" is not a safe map name/);
    assert.equal(isCandidate(reboot), false);
    // a device name with a space shifts the columns: the path is unreadable, never valid
    assert.deepEqual(y.paths.map((p) => p.valid), [true, false]);
    assert.equal(y.paths[1]!.dev, '$(id');
    assert.equal(isCandidate(y), false);
    assert.deepEqual(z.paths.map((p) => [p.hctl, p.valid]), [['7:0:0:8', true], ['7:0:0:9;id', false]]);
    assert.equal(isCandidate(z), false);
    for (const m of topo.maps) for (const p of m.paths) if (p.valid) assert.ok(isDeviceName(p.dev));
  });

  it('when a path is an orphan then it has no dev, counts as failed and is not valid to act on', () => {
    const [m] = parseMultipath(fixture('multipath/vendor-hashes-orphans.txt')).maps;
    for (const p of m!.paths) {
      assert.equal(p.orphan, true);
      assert.equal(p.dev, null);
      assert.equal(p.valid, false);
      assert.deepEqual(p.problems, []);
      assert.equal(pathIsFailed(p), true);
    }
  });

  it('when the output is empty or not multipath output then there are no maps and nothing throws', () => {
    assert.deepEqual(parseMultipath(''), { maps: [], warnings: [] });
    assert.deepEqual(parseMultipath('DM multipath kernel driver not loaded\n'), { maps: [], warnings: ['DM multipath kernel driver not loaded'] });
    assert.deepEqual(parseMultipath(undefined as unknown as string), { maps: [], warnings: [] });
  });

  it('when a newer release adds a key to the properties line then the known keys are still read', () => {
    const [m] = parseMultipath("mpatha (3600a0980383138452d2b55794670776d) dm-1 NETAPP,LUN\nsize=1G features='0' hwhandler='0' wp=rw marginal=off\n").maps;
    assert.deepEqual([m!.size, m!.features, m!.hwhandler, m!.wp, m!.valid], ['1G', '0', '0', 'rw', true]);
  });

  it('when the sample keeps its provenance header then those lines become warnings, not maps', () => {
    const topo = parseMultipath(fixture('samples/multipath-ll-3par-mikeqoo1-note-1.txt'));
    assert.deepEqual(topo.maps.map((m) => m.name), ['mpatha']);
    assert.equal(topo.warnings.length, 2);
  });

  it('when the whole output is indented (pasted from a doc) then it still parses', () => {
    const text = sample('multipath-ll-3par-mikeqoo1-note-1.txt').split('\n').map((l) => (l ? `\t${l}` : l)).join('\n');
    const [m] = parseMultipath(text).maps;
    assert.equal(m!.paths.length, 4);
    assert.equal(m!.valid, true);
  });

  it('serialises a map with the documented keys first, in order', () => {
    const [m] = parseMultipath(fixture('multipath/scenario-residual.txt')).maps;
    const json = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).slice(0, 9), ['name', 'wwid', 'dm', 'vendor', 'product', 'size', 'features', 'hwhandler', 'paths']);
    const path = (json['paths'] as Array<Record<string, unknown>>)[0]!;
    assert.deepEqual(Object.keys(path).slice(0, 6), ['hctl', 'dev', 'majmin', 'dmState', 'checkerState', 'devState']);
  });
});

describe('path and map classification', () => {
  const base: MultipathPath = {
    hctl: '1:0:0:1', dev: 'sdb', majmin: '8:16', dmState: 'active', checkerState: 'ready', devState: 'running',
    group: 1, orphan: false, valid: true, reason: null, problems: [],
  };
  const table: Array<[string, Partial<MultipathPath>, boolean]> = [
    ['active ready running', {}, false],
    ['failed faulty running', { dmState: 'failed', checkerState: 'faulty' }, true],
    ['failed ready running (dm failed it)', { dmState: 'failed' }, true],
    ['active faulty running', { checkerState: 'faulty' }, true],
    ['active shaky running', { checkerState: 'shaky' }, true],
    ['active i/o timeout running', { checkerState: 'i/o timeout' }, true],
    ['active disconnected running', { checkerState: 'disconnected' }, true],
    ['active ready offline', { devState: 'offline' }, true],
    ['active i/o pending running (still checking)', { checkerState: 'i/o pending' }, false],
    ['active ghost running (standby)', { checkerState: 'ghost' }, false],
    ['active delayed running', { checkerState: 'delayed' }, false],
    ['active undef unknown (multipath -l)', { checkerState: 'undef', devState: 'unknown' }, false],
    ['an orphan', { orphan: true, dev: null, hctl: null, majmin: null, valid: false }, true],
  ];
  for (const [what, patch, failed] of table) {
    it(`when a path is ${what} then pathIsFailed is ${failed}`, () => {
      assert.equal(pathIsFailed({ ...base, ...patch }), failed);
    });
  }

  it('when a map has every path failed but one path is invalid then it is not a candidate', () => {
    const [m] = parseMultipath(fixture('multipath/hostile-names.txt')).maps;
    assert.equal(m!.paths.every(pathIsFailed), true);
    assert.equal(isCandidate(m!), false);
  });
});
