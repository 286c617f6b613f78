// Property tests: the parsers never throw, and never hand out a "valid" entry that fails validation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  FACT_PARSERS, isCandidate, isCephName, isDeviceName, isDmName, isHctl, isMajMin, isMapName, isRbdDevice, isWwid, isCephAddress,
  parseFsck, parseKubectlDescribeEvents, parseMultipath, parseMultipathdJson, parsePods, parsePv, parseRbdShowmapped,
  parseRbdStatus, parseVolumeAttachments, parseWatcherAddress, type MultipathTopology,
} from '../../../src/facts/index.js';

const RUNS = { numRuns: 400 };

/** Tokens that look like values of the grammar, hostile ones included. */
const token = fc.oneof(
  fc.constantFrom(
    'sda', 'sdi', 'sdaa', 'sdi;reboot', '../sda', '$(id)', '`id`', '-', '#:#:#:#', '#:#', '8:16', '1:0:0:1', 'dm-3', 'undef',
    'active', 'failed', 'ready', 'faulty', 'i/o', 'pending', 'timeout', 'running', 'offline', 'mpatha', '3600a098038', '##,##',
    'HUAWEI  ,XSG1', "policy='service-time 0'", 'prio=50', 'status=active', "features='1 queue_if_no_path'", 'size=1G', '[active]',
    '[ready]', '[prio=1]', '(3600a0980383138452d2b5579)', '\t', '  ', ' ', '|', '`-', '|-', '|-+-', '`-+-', '\\_', 'watcher=10.0.0.1:0/1',
    'client.1', 'cookie=2', 'Watchers:', 'id', 'pool', 'namespace', 'image', 'snap', 'device', '/dev/rbd0', '{', '}', '[', ']', '"',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const line = fc.array(token, { maxLength: 9 }).map((ts) => ts.join(' '));
const prefix = fc.constantFrom('', '  |- ', '  `- ', '| |- ', '| `- ', '|-+- ', '`-+- ', '\\_ ', ' \\_ ', 'size=', '[size=1G][rw]');
const mpLine = fc.tuple(prefix, line).map(([p, l]) => p + l);
const eol = fc.constantFrom('\n', '\r\n', '\r');
const mpText = fc.tuple(fc.array(mpLine, { maxLength: 14 }), eol).map(([ls, e]) => ls.join(e));
const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 }), mpText);

/** Well-formed multipath -ll text whose identifiers come from the hostile/plausible token pool. */
const wellFormed = fc.array(
  fc.record({
    name: fc.oneof(fc.constantFrom('mpatha', '$(reboot)', '-x', '..', '3600a0980383138452d2b55794670776d'), fc.string({ minLength: 1, maxLength: 8 })),
    dm: fc.constantFrom('dm-1', 'dm-22', 'undef'),
    paths: fc.array(fc.record({
      hctl: fc.oneof(fc.constantFrom('1:0:0:1', '#:#:#:#', '1:0:0:1;x'), fc.string({ maxLength: 8 })),
      dev: fc.oneof(fc.constantFrom('sdb', 'sdi;reboot', '../sda', '$(id)', '-', 'sd b', 'sdB', 'sd\u0001a', 'sd\u0000b'), fc.string({ maxLength: 8 })),
      majmin: fc.oneof(fc.constantFrom('8:16', '#:#'), fc.string({ maxLength: 6 })),
      states: fc.constantFrom('active ready running', 'failed faulty running', 'failed i/o pending running', '[failed][faulty]', 'active undef unknown'),
    }), { maxLength: 4 }),
  }),
  { maxLength: 4 },
).map((maps) => maps.map((m) => [
  `${m.name} (3600a0980383138452d2b55794670776d) ${m.dm} NETAPP,LUN`,
  "size=1G features='0' hwhandler='0' wp=rw",
  "`-+- policy='service-time 0' prio=0 status=enabled",
  ...m.paths.map((p, i) => `  ${i + 1 === m.paths.length ? '`-' : '|-'} ${p.hctl} ${p.dev} ${p.majmin} ${p.states}`),
].join('\n')).join('\n'));

/** multipathd JSON with arbitrary strings where device names go. */
const jsonMaps = fc.array(fc.record({
  name: fc.string({ maxLength: 10 }),
  uuid: fc.string({ maxLength: 10 }),
  sysfs: fc.oneof(fc.constant('dm-3'), fc.string({ maxLength: 6 })),
  path_groups: fc.array(fc.record({
    selector: fc.string({ maxLength: 6 }),
    pri: fc.integer(),
    dm_st: fc.string({ maxLength: 6 }),
    paths: fc.array(fc.record({
      dev: fc.oneof(fc.constantFrom('sdb', 'sdi;reboot', '-'), fc.string({ maxLength: 8 })),
      dev_t: fc.oneof(fc.constant('8:16'), fc.string({ maxLength: 6 })),
      dm_st: fc.constantFrom('active', 'failed', 'x'),
      chk_st: fc.constantFrom('ready', 'faulty', 'i/o pending', 'x y'),
      dev_st: fc.constantFrom('running', 'offline'),
    }), { maxLength: 3 }),
  }), { maxLength: 2 }),
}), { maxLength: 3 }).map((maps) => JSON.stringify({ major_version: 0, minor_version: 1, maps }));

function checkTopology(t: MultipathTopology): void {
  assert.ok(Array.isArray(t.maps) && Array.isArray(t.warnings));
  for (const m of t.maps) {
    if (m.valid) {
      assert.ok(isMapName(m.name), m.name);
      assert.ok(m.wwid === null || isWwid(m.wwid));
      assert.ok(m.dm === null || isDmName(m.dm));
    }
    if (isCandidate(m)) assert.ok(m.valid && m.paths.every((p) => p.problems.length === 0));
    for (const p of m.paths) {
      if (!p.valid) continue;
      assert.ok(isDeviceName(p.dev), `valid path with dev ${JSON.stringify(p.dev)}`);
      assert.ok(p.hctl === null || isHctl(p.hctl));
      assert.ok(p.majmin === null || isMajMin(p.majmin));
    }
  }
  JSON.stringify(t);
}

describe('parser properties', () => {
  it('no parser throws on arbitrary text, and every result serialises to JSON', () => {
    const all: Array<(t: string) => unknown> = [
      ...Object.values(FACT_PARSERS),
      (t) => parseFsck(t, 4), (t) => parseFsck(t, null), parseKubectlDescribeEvents, parsePv, parsePods, parseVolumeAttachments,
      parseWatcherAddress,
    ];
    fc.assert(fc.property(anyText, (text) => {
      for (const parse of all) JSON.stringify(parse(text));
    }), RUNS);
  });

  it('parseMultipath never returns a valid path whose dev fails isDeviceName (arbitrary text)', () => {
    fc.assert(fc.property(anyText, (text) => checkTopology(parseMultipath(text))), RUNS);
  });

  it('parseMultipath never returns a valid path whose dev fails isDeviceName (well-formed text, hostile values)', () => {
    fc.assert(fc.property(wellFormed, (text) => {
      const t = parseMultipath(text);
      checkTopology(t);
      // every path line comes back as a path (valid or not) or in a warning: none is silently dropped
      const pathLines = text.split('\n').filter((l) => /^ {2}[|`]- /.test(l));
      const parsed = t.maps.reduce((n, m) => n + m.paths.length, 0);
      const warned = pathLines.filter((l) => t.warnings.some((w) => w.includes(l.trim()))).length;
      assert.ok(parsed + warned >= pathLines.length, `${parsed} parsed + ${warned} warned < ${pathLines.length}`);
    }), RUNS);
  });

  it('parseMultipathdJson never returns a valid path whose dev fails isDeviceName', () => {
    fc.assert(fc.property(fc.oneof(jsonMaps, anyText), (text) => checkTopology(parseMultipathdJson(text))), RUNS);
  });

  it('rbd parsers never return a valid entry with an unsafe value', () => {
    const table = fc.array(fc.array(fc.oneof(token, fc.constant('')), { minLength: 1, maxLength: 6 }).map((cells) => cells.join('  ')), { maxLength: 5 })
      .map((rows) => ['id  pool  namespace  image  snap  device', ...rows].join('\n'));
    fc.assert(fc.property(fc.oneof(anyText, table), (text) => {
      for (const m of parseRbdShowmapped(text).mappings) {
        if (!m.valid) continue;
        assert.ok(isRbdDevice(m.device) && isCephName(m.pool) && isCephName(m.image));
        assert.ok(m.namespace === null || isCephName(m.namespace));
        assert.ok(m.snap === null || isCephName(m.snap));
      }
      for (const w of parseRbdStatus(text).watchers) if (w.valid) assert.ok(isCephAddress(w.address));
    }), RUNS);
  });
});
