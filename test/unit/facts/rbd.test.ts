// `rbd status` and `rbd showmapped` parsing, plain and JSON, and watcher addresses.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  imageSpec, parseRbdShowmapped, parseRbdStatus, parseWatcherAddress, rbdStatusArgv, type RbdWatcher,
} from '../../../src/facts/rbd.js';
import { fixture, sample } from './fixtures.js';

type W = [address: string | null, client: string | null, cookie: string | null, valid: boolean];
const w = (x: RbdWatcher): W => [x.address, x.client, x.cookie, x.valid];

const TWO: W[] = [
  ['127.0.20.1:0/3618297980', 'client.4132', '94152846068240', true],
  ['127.0.20.2:0/3140405621', 'client.4134', '94161936972560', true],
];
const AFTER: W[] = [['127.0.20.2:0/3140405621', 'client.4134', '94161936972560', true]];
const FUSE: W[] = [['127.0.22.1:0/4019449088', 'client.4538', '140310608875712', true]];

describe('parseRbdStatus', () => {
  const cases: Array<[what: string, text: string, watchers: W[]]> = [
    ['plain, two watchers (TAB-indented)', sample('ceph-micro-rbd-status-plain.txt'), TWO],
    ['--format json, two watchers', sample('ceph-micro-rbd-status-json.txt'), TWO],
    ['--format json --pretty-format, two watchers', sample('ceph-micro-rbd-status-json-pretty.txt'), TWO],
    ['plain, after the blocklist', sample('ceph-micro-rbd-status-after-blocklist-plain.txt'), AFTER],
    ['json, after the blocklist', sample('ceph-micro-rbd-status-after-blocklist-json.txt'), AFTER],
    ['plain, an rbd-fuse watcher', sample('rbdfuse-rbd-status.txt'), FUSE],
    ['json, an rbd-fuse watcher', sample('rbdfuse-rbd-status-json.txt'), FUSE],
    ['the docs example with a persistent cache section after the watchers', sample('rbd-status-ceph-doc-pwl-1.txt'),
      [['10.10.0.102:0/1061883624', 'client.25496', '140338056493088', true]]],
    ['`Watchers: none` followed by a Migration section (Ceph 17+)', fixture('rbd/status-plain-migration.txt'), []],
    ['json with an extra "migration" key (Ceph 17+)', fixture('rbd/status-json-migration.txt'),
      [['10.10.0.102:0/1061883624', 'client.25496', '140338056493088', true]]],
    ['json with an IPv6 watcher, a v1: prefix and cookies beyond 2^53 kept exact', fixture('rbd/status-json-ipv6-bigcookie.txt'), [
      ['[2001:db8::5]:0/3618297980', 'client.4132', '18446744073709551615', true],
      ['v1:10.0.0.7:0/42', 'client.4133', '9007199254740993', true],
    ]],
    ['empty json list', '{"watchers":[]}', []],
  ];
  for (const [what, text, watchers] of cases) {
    it(`reads ${what}`, () => {
      const r = parseRbdStatus(text);
      assert.equal(r.recognized, true);
      assert.deepEqual(r.watchers.map(w), watchers);
    });
  }

  it('splits each watcher address into ip and nonce', () => {
    const r = parseRbdStatus(sample('ceph-micro-rbd-status-plain.txt'));
    assert.deepEqual(r.watchers.map((x) => [x.ip, x.nonce]), [['127.0.20.1', 3618297980], ['127.0.20.2', 3140405621]]);
  });

  it('reads every `rbd status` step of the blocklist transcript', () => {
    const sections = sample('rbdfuse-blocklist.txt').split(/^--- \[[\d:.]+\] /m).filter((s) => s.startsWith('rbd status'));
    const counts = sections.map((s) => parseRbdStatus(s.slice(s.indexOf('\n') + 1)).watchers.map((x) => x.address));
    // the last step prints `rbd lock ls` and `blocklist ls` right after the watchers: they end the section
    assert.deepEqual(counts, [['127.0.22.1:0/2155177167'], [], [], ['127.0.22.1:0/3525060293']]);
  });

  it('when a watcher line holds garbage then the watcher is kept, invalid, with a reason', () => {
    const r = parseRbdStatus(fixture('rbd/status-hostile-plain.txt'));
    assert.deepEqual(r.watchers.map((x) => [x.address, x.valid]), [
      ['$(id):0/1', false], ['10.0.0.1:0/123', false], [null, false], ['10.0.0.2:99999/1', false], ['10.0.0.3:0/5', true],
    ]);
    assert.match(r.watchers[0]!.reason!, /address "\$\(id\):0\/1" is not an IP:PORT\/NONCE address/);
    assert.match(r.watchers[1]!.reason!, /client "client.x" is not a client.N name; cookie "abc"/);
    assert.match(r.watchers[2]!.reason!, /unparsed watcher line "something we do not know"/);
  });

  it('when rbd printed an error then the output is not recognized (an empty list is not "no watchers")', () => {
    const r = parseRbdStatus(fixture('rbd/status-error.txt'));
    assert.equal(r.recognized, false);
    assert.deepEqual(r.watchers, []);
    assert.equal(r.warnings[0], 'rbd: error opening image vol1: (2) No such file or directory');
    assert.equal(parseRbdStatus('').recognized, false);
    assert.equal(parseRbdStatus('{"images":[]}').recognized, false);
  });

  it('serialises a watcher with address, client, cookie first', () => {
    const json = JSON.parse(JSON.stringify(parseRbdStatus(sample('rbdfuse-rbd-status.txt')))) as { watchers: object[] };
    assert.deepEqual(Object.keys(json)[0], 'watchers');
    assert.deepEqual(Object.keys(json.watchers[0]!).slice(0, 3), ['address', 'client', 'cookie']);
  });
});

type M = [id: string | null, pool: string | null, ns: string | null, image: string | null, snap: string | null, device: string | null, valid: boolean];

describe('parseRbdShowmapped', () => {
  const cases: Array<[what: string, text: string, rows: M[]]> = [
    ['the Octopus table with an empty namespace cell', sample('rbd-showmapped-ceph-pr37050-1.txt'), [
      ['0', 'rbd', null, 'myimage', null, '/dev/rbd0', true],
      ['1', 'rbd', 'mynamespace', 'myimage', null, '/dev/rbd1', true],
    ]],
    ['the table without a namespace column', fixture('rbd/showmapped-no-namespace-plain.txt'), [
      ['0', 'kube', null, 'kubernetes-dynamic-pvc-1bf69589-9a3e-11e9-8a29-fa163e4f4b8e', null, '/dev/rbd0', true],
      ['8', 'kube', null, 'kubernetes-dynamic-pvc-76b54b6c-1cf9-11eb-8295-b6961e0a47ed', null, '/dev/rbd8', true],
      ['9', 'rbd', null, 'vol1', 'before-fsck', '/dev/rbd9', true],
    ]],
    ['a grep-ed row that no longer lines up with the header', 'id pool image snap device\n8  kube kubernetes-dynamic-pvc-1bf69589 -    /dev/rbd8\n', [
      ['8', 'kube', null, 'kubernetes-dynamic-pvc-1bf69589', null, '/dev/rbd8', true],
    ]],
    ['a JSON array (Ceph 14+)', fixture('rbd/showmapped-json-array.txt'), [
      ['0', 'rbd', null, 'myimage', null, '/dev/rbd0', true],
      ['1', 'rbd', 'mynamespace', 'myimage', 'snap1', '/dev/rbd1', true],
    ]],
    ['a pretty JSON array', fixture('rbd/showmapped-json-array-pretty.txt'), [
      ['0', 'kube', null, 'csi-vol-880ec27e-5b75-11ed-a252-fa163ee74632', null, '/dev/rbd0', true],
    ]],
    ['a JSON object keyed by id (older releases)', fixture('rbd/showmapped-json-object-by-id.txt'), [
      ['0', 'rbd', null, 'foo', null, '/dev/rbd0', true],
      ['1', 'kube', null, 'kubernetes-dynamic-pvc-1bf69589-9a3e-11e9-8a29-fa163e4f4b8e', null, '/dev/rbd1', true],
    ]],
    ['an empty JSON array', fixture('rbd/showmapped-json-empty.txt'), []],
    ['empty output (nothing mapped)', fixture('rbd/showmapped-empty.txt'), []],
  ];
  for (const [what, text, rows] of cases) {
    it(`reads ${what}`, () => {
      const r = parseRbdShowmapped(text);
      assert.equal(r.recognized, true);
      assert.deepEqual(r.mappings.map((m) => [m.id, m.pool, m.namespace, m.image, m.snap, m.device, m.valid]), rows);
    });
  }

  it('when cells hold hostile or odd values then the rows are kept invalid and stay in their columns', () => {
    const r = parseRbdShowmapped(fixture('rbd/showmapped-hostile-plain.txt'));
    assert.deepEqual(r.warnings, ['rbd: udev enumerate failed, retrying']);
    assert.deepEqual(r.mappings.map((m) => [m.namespace, m.pool, m.image, m.device, m.valid]), [
      [null, 'rbd', 'my image', '/dev/rbd0', false],
      [null, '-rf', 'img', '/dev/rbd1', false],
      [null, 'rbd', '$(id)', '/dev/sda', false],
      [null, 'kube', 'csi-vol-880ec27e-5b75-11ed-a252-fa163ee74632', '/dev/rbd3', true],
    ]);
    assert.match(r.mappings[2]!.reason!, /image "\$\(id\)" is not a safe image name; device "\/dev\/sda" is not a \/dev\/rbdN device/);
  });

  it('when the output is an error message then it is not recognized', () => {
    const r = parseRbdShowmapped('rbd: failed to show mapped images: (2) No such file or directory\n');
    assert.equal(r.recognized, false);
    assert.deepEqual(r.mappings, []);
  });

  it('serialises a mapping with id, pool, namespace, image, snap, device first', () => {
    const json = JSON.parse(JSON.stringify(parseRbdShowmapped(sample('rbd-showmapped-ceph-pr37050-1.txt')))) as { mappings: object[] };
    assert.deepEqual(Object.keys(json.mappings[0]!).slice(0, 6), ['id', 'pool', 'namespace', 'image', 'snap', 'device']);
  });
});

describe('parseWatcherAddress', () => {
  const good: Array<[string, { ip: string; port: number | null; nonce: number | null }]> = [
    ['172.26.10.105:0/1787993098', { ip: '172.26.10.105', port: 0, nonce: 1787993098 }],
    ['127.0.20.3:0/0', { ip: '127.0.20.3', port: 0, nonce: 0 }],
    ['10.0.0.1:6789', { ip: '10.0.0.1', port: 6789, nonce: null }],
    ['10.0.0.1', { ip: '10.0.0.1', port: null, nonce: null }],
    ['[2001:db8::5]:0/3618297980', { ip: '2001:db8::5', port: 0, nonce: 3618297980 }],
    ['2001:db8::5', { ip: '2001:db8::5', port: null, nonce: null }],
    ['[2001:db8::5]', { ip: '2001:db8::5', port: null, nonce: null }],
    ['v2:10.0.0.1:3300/0', { ip: '10.0.0.1', port: 3300, nonce: 0 }],
  ];
  for (const [addr, want] of good) {
    it(`accepts ${addr}`, () => assert.deepEqual(parseWatcherAddress(addr), want));
  }
  const bad = [
    '', '$(id):0/1', '10.0.0.1:0/1;reboot', '10.0.0.256:0/1', '010.0.0.1:0/1', '10.0.0.1:70000/1', '10.0.0.1:0/4294967296',
    'host.example:0/1', 'cidr:127.0.50.0:0/24', '10.0.0.1 :0/1', '[fe80::1%eth0]:0/1', '[2001:db8::5', ' 10.0.0.1', '10.0.0.1:0/',
    '-', '10.0.0.1/24',
  ];
  for (const addr of bad) {
    it(`rejects ${JSON.stringify(addr)}`, () => assert.equal(parseWatcherAddress(addr), null));
  }
});

describe('rbd command argv', () => {
  it('builds `rbd status` for a safe image spec, with and without a namespace', () => {
    assert.deepEqual(rbdStatusArgv('kube', 'csi-vol-1'), ['rbd', 'status', '--format', 'json', 'kube/csi-vol-1']);
    assert.equal(imageSpec('kube', 'img', 'ns1'), 'kube/ns1/img');
  });
  it('when a name is unsafe then building the argv throws facts.invalidArgument', () => {
    assert.throws(() => rbdStatusArgv('kube', 'a;b'), { code: 'facts.invalidArgument' });
    assert.throws(() => imageSpec('-p', 'img'), { code: 'facts.invalidArgument' });
  });
});
