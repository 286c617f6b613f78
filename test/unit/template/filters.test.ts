// Filters and tests Ansible users reach for, each checked against what Ansible/Jinja would give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, TemplateError } from '../../../src/template/index.js';

const vars: Record<string, unknown> = {
  results: [
    { item: 'rbd0', state: 'failed', rc: 1 },
    { item: 'rbd1', state: 'ok', rc: 0 },
    { item: 'rbd2', rc: 0 },
  ],
  words: ['b', 'a', 'B', 'a'],
  nums: [3, 1, 2],
  nested: [1, [2, [3, null]]],
  d: { x: 1, y: 2 },
  s: '  Hello World  ',
  path: '/var/lib/kubelet/pods/',
  out: 'mpatha (3600a0b8) dm-3\nmpathb (3600a0b9) dm-4',
};

const FILTERS: Array<[string, unknown]> = [
  ["results | selectattr('state', 'equalto', 'failed') | map(attribute='item') | list", ['rbd0']],
  ["results | selectattr('state', 'defined') | map(attribute='item') | list", ['rbd0', 'rbd1']],
  ["results | rejectattr('state', 'eq', 'failed') | map(attribute='item') | list", ['rbd1', 'rbd2']],
  ["results | selectattr('rc', '==', 0) | list | length", 2],
  ["results | selectattr('rc', 'ne', 0) | map(attribute='item') | first", 'rbd0'],
  ["results | selectattr('item', 'match', 'rbd[12]') | map(attribute='item') | list", ['rbd1', 'rbd2']],
  ["results | selectattr('item', 'search', '2$') | map(attribute='item') | list", ['rbd2']],
  ["results | selectattr('item', 'in', ['rbd1']) | map(attribute='item') | list", ['rbd1']],
  ["results | selectattr('state') | list | length", 2],
  ["results | selectattr('state', 'truthy') | list | length", 2],
  ["results | map(attribute='state', default='none') | list", ['failed', 'ok', 'none']],
  ["words | map('upper') | list", ['B', 'A', 'B', 'A']],
  ["words | select('equalto', 'a') | list", ['a', 'a']],
  ["words | reject('equalto', 'a') | list", ['b', 'B']],
  ["words | unique | list", ['b', 'a']],
  ["words | unique(case_sensitive=true) | list", ['b', 'a', 'B']],
  ['words | sort', ['a', 'a', 'b', 'B']],
  ['nums | sort(reverse=true)', [3, 2, 1]],
  ["results | sort(attribute='item', reverse=true) | map(attribute='item') | first", 'rbd2'],
  ['words | join(",")', 'b,a,B,a'],
  ['nums | join', '312'],
  ['nums | length', 3],
  ['nums | count', 3],
  ['d | length', 2],
  ['nums | first', 3],
  ['nums | last', 2],
  ['nums | min', 1],
  ['nums | max', 3],
  ['nums | sum', 6],
  ["results | sum(attribute='rc')", 1],
  ['[[1], [2]] | sum(start=[])', [1, 2]],
  ['nested | flatten', [1, 2, 3]],
  ['nested | flatten(levels=1)', [1, 2, [3, null]]],
  ["'42' | int", 42],
  ["'0x1A' | int(base=16)", 26],
  ["'nope' | int", 0],
  ["'2.5' | float", 2.5],
  ["'yes' | bool", true],
  ["'off' | bool", false],
  ['42 | string', '42'],
  ['s | trim', 'Hello World'],
  ['s | lower | trim', 'hello world'],
  ['s | upper | trim', 'HELLO WORLD'],
  ["s | trim | replace('o', '0')", 'Hell0 W0rld'],
  ["s | trim | replace('o', '0', 1)", 'Hell0 World'],
  ["'a b  c' | split", ['a', 'b', 'c']],
  ["'a:b:c' | split(':')", ['a', 'b', 'c']],
  ["out | regex_search('dm-\\\\d+')", 'dm-3'],
  ["out | regex_search('(mpath\\\\w) \\\\((\\\\w+)\\\\)', '\\\\2')", ['3600a0b8']],
  ["out | regex_search('(?P<name>mpath\\\\w)', '\\\\g<name>')", ['mpatha']],
  ["out | regex_search('nomatch')", null],
  ["out | regex_findall('dm-\\\\d+')", ['dm-3', 'dm-4']],
  ["out | regex_findall('(mpath\\\\w) \\\\((\\\\w+)\\\\)')", [['mpatha', '3600a0b8'], ['mpathb', '3600a0b9']]],
  ["out | regex_findall('^mpath\\\\w', multiline=true)", ['mpatha', 'mpathb']],
  ["'rbd0' | regex_replace('^rbd(\\\\d+)$', '/dev/rbd\\\\1')", '/dev/rbd0'],
  ["'a.b' | regex_replace('(?P<x>\\\\w)\\\\.', '\\\\g<x>$')", 'a$b'],
  ["'AAA' | regex_replace('a', 'b', ignorecase=true)", 'bbb'],
  ["'a.b' | regex_escape", 'a\\.b'],
  ["'{\"a\": [1]}' | from_json", { a: [1] }],
  ['d | to_json', '{"x":1,"y":2}'],
  ['d | to_nice_json', '{\n    "x": 1,\n    "y": 2\n}'],
  ['d | dict2items', [{ key: 'x', value: 1 }, { key: 'y', value: 2 }]],
  ["d | dict2items(key_name='k', value_name='v') | items2dict(key_name='k', value_name='v')", { x: 1, y: 2 }],
  ['d | combine({"y": 3, "z": 4})', { x: 1, y: 3, z: 4 }],
  ['{"a": {"b": 1}} | combine({"a": {"c": 2}}, recursive=true)', { a: { b: 1, c: 2 } }],
  ['[1, 2, 3] | difference([2])', [1, 3]],
  ['[1, 2, 3] | intersect([3, 2, 9])', [2, 3]],
  ['[1, 2] | union([2, 3])', [1, 2, 3]],
  ['[1, 2] | symmetric_difference([2, 3])', [1, 3]],
  ['path | basename', ''],
  ["'/var/lib/x.img' | basename", 'x.img'],
  ["'/var/lib/x.img' | dirname", '/var/lib'],
  ['path | dirname', '/var/lib/kubelet/pods'],
  ['"it\'s" | quote | string', "'it'\\''s'"],
  ["'hi' | b64encode", 'aGk='],
  ["'aGk=' | b64decode", 'hi'],
  ["undefined_var | default('x')", 'x'],
  ["'' | d('x', true)", 'x'],
  ["'' | d('x')", ''],
  ["nums | map('string') | list", ['3', '1', '2']],
  ["nums | select('odd') | list", [3, 1]],
  ['(1 == 1) | ternary("yes", "no")', 'yes'],
  ['"%s:%d" | format("a", 5)', 'a:5'],
  ['d | type_debug', 'dict'],
];

for (const [expr, expected] of FILTERS) {
  test(`filter: ${expr}`, () => {
    assert.deepEqual(evaluate(expr, vars), expected);
  });
}

const TESTS: Array<[string, boolean]> = [
  ['"a" is string', true], ['1 is number', true], ['d is mapping', true], ['nums is iterable', true],
  ['nums is string', false], ['"sda" is match("sd")', true], ['"xsda" is match("sd")', false],
  ['"xsda" is search("sd")', true], ['2 is in(nums)', true], ['nums is contains(2)', true],
  ['1 is truthy', true], ['0 is falsy', true], ['"5.4.0" is version("5.10", "<")', true],
  ['"ABC" is upper', true], ['4 is divisibleby(2)', true], ['3 is even', false], ['[1] is subset([1, 2])', true],
  ['"mpatha\\nb" is match("^b", multiline=true)', false],
];

for (const [expr, expected] of TESTS) {
  test(`test: ${expr} is ${expected}`, () => {
    assert.equal(evaluate(expr, vars), expected);
  });
}

test('an unknown filter named inside map() is a template.filter error before anything runs', () => {
  assert.throws(() => evaluate("nums | map('uper') | list", vars), (e: unknown) => e instanceof TemplateError && e.code === 'template.filter');
});

test('an unknown test named inside selectattr() is a template.filter error with a suggestion', () => {
  assert.throws(
    () => evaluate("results | selectattr('state', 'equalt', 'x') | list", vars),
    (e: unknown) => e instanceof TemplateError && e.code === 'template.filter' && /did you mean 'equalto'/.test(e.message),
  );
});

test('a bad regular expression is a template.render error, not a crash', () => {
  assert.throws(() => evaluate("'x' | regex_search('(')", vars), (e: unknown) => e instanceof TemplateError && e.code === 'template.render');
});

test('map(attribute=) on items missing the attribute is an undefined error unless a default is given', () => {
  assert.throws(() => evaluate("results | map(attribute='state') | list", vars), (e: unknown) => e instanceof TemplateError && e.code === 'template.undefined');
});

test('a fully qualified ansible.builtin filter name works', () => {
  assert.equal(evaluate('d | ansible.builtin.to_json', vars), '{"x":1,"y":2}');
});
