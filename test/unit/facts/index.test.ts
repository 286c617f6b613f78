// The FACT_PARSERS registry behind `fleetsweep parse KIND [FILE]`: kinds and exact output shapes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FACT_KINDS, FACT_PARSERS } from '../../../src/facts/index.js';
import { fixture, sample } from './fixtures.js';

function keysOf(v: unknown): string[] {
  return Object.keys(JSON.parse(JSON.stringify(v)) as object);
}

describe('FACT_PARSERS', () => {
  it('has the documented kinds', () => {
    for (const k of ['multipath', 'multipathd-json', 'rbd-status', 'rbd-showmapped', 'kubectl-events']) assert.ok(FACT_KINDS.includes(k), k);
  });

  const shapes: Array<[kind: string, text: string, list: string, keys: string[], sub?: [string, string[]]]> = [
    ['multipath', sample('multipath-ll-3par-mikeqoo1-note-1.txt'), 'maps',
      ['name', 'wwid', 'dm', 'vendor', 'product', 'size', 'features', 'hwhandler', 'paths'],
      ['paths', ['hctl', 'dev', 'majmin', 'dmState', 'checkerState', 'devState']]],
    ['multipathd-json', sample('multipathd-show-maps-json-ibm-ubiquity-1.txt'), 'maps',
      ['name', 'wwid', 'dm', 'vendor', 'product', 'size', 'features', 'hwhandler', 'paths'],
      ['paths', ['hctl', 'dev', 'majmin', 'dmState', 'checkerState', 'devState']]],
    ['rbd-status', sample('ceph-micro-rbd-status-plain.txt'), 'watchers', ['address', 'client', 'cookie']],
    ['rbd-status', sample('ceph-micro-rbd-status-json.txt'), 'watchers', ['address', 'client', 'cookie']],
    ['rbd-showmapped', sample('rbd-showmapped-ceph-pr37050-1.txt'), 'mappings', ['id', 'pool', 'namespace', 'image', 'snap', 'device']],
    ['kubectl-events', fixture('kubectl/events-corev1.json'), 'events', ['namespace', 'pod', 'reason', 'type', 'message', 'volume']],
    ['kubectl-events', sample('kubectl-describe-pod-events-multiattach-k8s-96142-1.txt'), 'events',
      ['namespace', 'pod', 'reason', 'type', 'message', 'volume']],
  ];
  for (const [kind, text, list, keys, sub] of shapes) {
    it(`${kind} output starts with "${list}" whose entries start with ${keys.join(', ')}`, () => {
      const out = JSON.parse(JSON.stringify(FACT_PARSERS[kind]!(text))) as Record<string, unknown[]>;
      assert.equal(keysOf(out)[0], list);
      const first = out[list]![0] as Record<string, unknown[]>;
      assert.deepEqual(keysOf(first).slice(0, keys.length), keys);
      if (sub) assert.deepEqual(keysOf(first[sub[0]]![0]).slice(0, sub[1].length), sub[1]);
    });
  }

  it('prints missing values as null, never leaves them out', () => {
    const out = JSON.parse(JSON.stringify(FACT_PARSERS['multipathd-json']!(sample('multipathd-show-maps-json-ibm-ubiquity-1.txt')))) as {
      maps: Array<Record<string, unknown> & { paths: Array<Record<string, unknown>> }>;
    };
    assert.equal(out.maps[0]!['size'], null);
    assert.equal(out.maps[0]!.paths[0]!['hctl'], null);
  });
});
