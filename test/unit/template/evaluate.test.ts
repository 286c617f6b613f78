// evaluate / evaluateBool / renderString: native values, Jinja truthiness, registered results, lazy recursive vars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluateBool, renderString, secret, Secret, unsafe, TemplateError } from '../../../src/template/index.js';

const vars: Record<string, unknown> = {
  devs: ['/dev/rbd0', '/dev/rbd1'],
  n: 3,
  empty: [],
  nothing: null,
  flag: false,
  word: 'false',
  dict: { a: 1 },
  failedRun: { rc: 1, failed: true, changed: false, skipped: false },
  okRun: { rc: 0, changed: true },
  skippedRun: { skipped: true, changed: false },
  rcOnly: { rc: 2, stdout: '' },
  name: 'rbd7',
  dev: '/dev/{{ name }}',
  devPath: '{{ dev }}',
  list: '{{ [1, 2] }}',
  count: '{{ list | length }}',
  nested: { path: '/sys/{{ name }}', items: ['{{ n }}', 'x'] },
};

const EVAL: Array<[string, string, unknown]> = [
  ['a sole {{ expr }} keeps its native list', '{{ devs }}', ['/dev/rbd0', '/dev/rbd1']],
  ['whitespace around a sole {{ expr }} is allowed', '  {{ n }}\n', 3],
  ['a bare expression is evaluated natively', 'devs | length', 2],
  ['text mixing literal parts and {{ }} renders to a string', 'n={{ n }}', 'n=3'],
  ['comparisons are Python-like, not JS-loose', '1 == "1"', false],
  ['lists compare by value', '[1, 2] == [1, 2]', true],
  ['list + list concatenates', '[1] + [2]', [1, 2]],
  ['chained comparisons work', '1 < n < 5', true],
  ['`or` returns the first truthy operand', 'empty or "fallback"', 'fallback'],
  ['`and` short-circuits so a guarded lookup is safe', 'missing is defined and missing.rc == 0', false],
  ['`not in` works', '"x" not in devs', true],
  ['Python literals True/False/None are understood', '[True, False, None]', [true, false, null]],
  ['a tuple is a list', '(1, 2)', [1, 2]],
  ['a dict literal is a dict', '{"k": n}', { k: 3 }],
  ['a var holding a template resolves lazily', 'dev', '/dev/rbd7'],
  ['template vars resolve to any depth', 'devPath', '/dev/rbd7'],
  ['a var that is one expression keeps its native type', 'list', [1, 2]],
  ['a var built on a native var keeps numbers', 'count + 1', 3],
  ['templates inside nested containers resolve', 'nested', { path: '/sys/rbd7', items: [3, 'x'] }],
  ['range is Python range', 'range(1, 7, 2) | list', [1, 3, 5]],
  ['the `is failed` test reads a registered result', 'failedRun is failed', true],
  ['a non-zero rc counts as failed when failed is absent', 'rcOnly is failed', true],
  ['`is succeeded` is the opposite', 'okRun is succeeded', true],
  ['`is changed` reads changed', 'okRun is changed', true],
  ['`is skipped` reads skipped', 'skippedRun is skipped', true],
  ['`is defined` is false for a missing name', 'missing is defined', false],
  ['`is undefined` is true for a missing attribute', 'dict.nope is undefined', true],
  ['`is none` detects null', 'nothing is none', true],
  ['`| default` replaces a missing name', 'missing | default("d")', 'd'],
  ['`| default(x, true)` also replaces falsy values', 'empty | default("d", true)', 'd'],
  ['`| d` is default', 'missing.deep.er | d(7)', 7],
  ['Python string methods are available', '"a,b".split(",")', ['a', 'b']],
  ['negative indexes count from the end', 'devs[-1]', '/dev/rbd1'],
  ['dict methods are available', 'dict.items() | list', [['a', 1]]],
  ['string % formatting works', '"%s-%03d" % ("x", n)', 'x-003'],
  ['integer division and modulo follow Python', '[7 // 2, -7 % 3]', [3, 2]],
];

for (const [name, expr, expected] of EVAL) {
  test(`evaluate: ${name}`, () => {
    assert.deepEqual(evaluate(expr, vars), expected);
  });
}

const TRUTH: Array<[string, boolean]> = [
  ['empty', false], ['[]', false], ['{}', false], ['""', false], ['0', false], ['nothing', false], ['flag', false],
  ['devs', true], ['dict', true], ['"x"', true], ['n', true],
  // the string "false" is a non-empty string: evaluate, do not reinterpret
  ['word', true],
  ['{{ empty }}', false],
  ['missing | default([])', false],
  ['not empty', true],
  ['devs | select("match", ".*rbd1") | list', true],
];

for (const [expr, expected] of TRUTH) {
  test(`evaluateBool: ${JSON.stringify(expr)} is ${expected}`, () => {
    assert.equal(evaluateBool(expr, vars), expected);
  });
}

test('renderString renders without quoting and masks secrets', () => {
  assert.equal(renderString('rm {{ devs | join(" ") }}', vars), 'rm /dev/rbd0 /dev/rbd1');
  assert.equal(renderString('pw={{ pw }} upper={{ pw | upper }}', { pw: secret('hunter2') }), 'pw=****** upper=******');
  assert.equal(renderString('plain text', {}), 'plain text');
  assert.equal(renderString('{{ d }}', { d: { a: [1] } }), '{"a":[1]}');
  assert.equal(renderString('{{ nothing }}', vars), '');
});

test('evaluate returns a secret as a secret, and text built from one as a secret', () => {
  const pw = secret('hunter2');
  assert.equal(evaluate('pw', { pw }), pw);
  const built = evaluate('--pw={{ pw }}', { pw });
  assert.ok(built instanceof Secret);
  assert.equal(built.reveal(), '--pw=hunter2');
});

test('a variable that refers to itself is a template.recursiveVar error naming the cycle', () => {
  try {
    evaluate('a', { a: '{{ b }}', b: 'x{{ a }}' });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, 'template.recursiveVar');
    assert.match(e.message, /a -> b -> a/);
  }
});

test('an undefined name inside a templated var names both the var and the missing name', () => {
  try {
    evaluate('dev', { dev: '/dev/{{ nam }}' });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, 'template.undefined');
    assert.match(e.message, /in var 'dev': 'nam' is undefined/);
  }
});

test('a var whose own template reads an undefined name is itself not defined', () => {
  assert.equal(evaluate('x is defined', { x: '{{ y }}' }), false);
  assert.equal(evaluate('x | default("d")', { x: '{{ y }}' }), 'd');
  assert.throws(() => evaluate('x', { x: '{{ y }}' }), (e: unknown) => e instanceof TemplateError && e.code === 'template.undefined');
});

test('data marked unsafe (command output) is never templated again', () => {
  const result = unsafe({ rc: 0, stdout: '{{ secret_var }}' });
  assert.equal(evaluate('result.stdout', { result, secret_var: 'leak' }), '{{ secret_var }}');
});

test('a templated var is rendered once per evaluation even when used many times', () => {
  let reads = 0;
  const v = { get x() { reads++; return '{{ 1 + 1 }}'; } };
  assert.deepEqual(evaluate('[x, x, x]', v), [2, 2, 2]);
  assert.equal(reads, 1);
});
