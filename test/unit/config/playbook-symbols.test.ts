// referencedVariables: which root variables a template reads, and which reads are guarded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referencedVariables } from '../../../src/template/symbols.js';

const LOC = { file: 'p.yml', line: 1, col: 1 };
const refs = (text: string, expression = false): Array<[string, boolean]> =>
  referencedVariables({ text, loc: LOC }, { expression }).map((r) => [r.name, r.guarded]);

test('a template reads the root names of its lookups, once each, in order', () => {
  assert.deepEqual(refs('rbd unmap {{ dev }} {{ result.stdout_lines[0] }} {{ hostvars[host].x }} {{ dev }}'), [
    ['dev', false], ['result', false], ['hostvars', false], ['host', false],
  ]);
});

test('plain text reads nothing', () => {
  assert.deepEqual(refs('multipath -ll'), []);
});

test('filter, test and function names are not variables but their arguments are', () => {
  assert.deepEqual(refs("{{ items | map(attribute=attr) | join(sep) }} {{ x is match(pattern) }} {{ range(n) }}"), [
    ['items', false], ['attr', false], ['sep', false], ['x', false], ['pattern', false], ['n', false],
  ]);
});

test('names bound by for, set and macros inside the template are not reads', () => {
  assert.deepEqual(refs('{% for d in devices %}{{ d }}{{ loop.index }}{% endfor %}{% set n = count %}{{ n }}'), [['devices', false], ['count', false]]);
  assert.deepEqual(refs('{% for k, v in m | dictsort %}{{ k }}={{ v }}{% endfor %}'), [['m', false]]);
});

test('is defined, is undefined and default guard a read', () => {
  assert.deepEqual(refs('x is defined and x > 1', true), [['x', true]], 'one guarded use guards the name');
  assert.deepEqual(refs('y is not undefined', true), [['y', true]]);
  assert.deepEqual(refs("{{ a | default('') }} {{ b.c | d(0) }} {{ e | default(f) }}"), [['a', true], ['b', true], ['e', true], ['f', false]]);
  assert.deepEqual(refs('z is none', true), [['z', false]], 'is none does not guard');
});

test('bare expressions are parsed as expressions', () => {
  assert.deepEqual(refs("result.rc == 0 and 'No such' not in result.stderr", true), [['result', false]]);
  assert.deepEqual(refs('true', true), []);
});

test('dict literal keys are names, not reads', () => {
  assert.deepEqual(refs('{{ {a: b} }}'), [['b', false]]);
});

test('a template that does not parse reads nothing (its syntax error is reported by the loader)', () => {
  assert.deepEqual(refs('{{ x | }}'), []);
});
