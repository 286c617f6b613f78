// Hostile playbooks, inventories and extra-vars: YAML bombs, deep nesting, huge files, host ranges without end,
// templates that loop forever or reach for the environment. Each is refused with a code, in bounded time and
// memory, before any host is contacted (exit 3), or (templates rendered per host) fails its task with a code.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlaybook } from '../../../src/config/playbook.js';
import { loadInventoryReport } from '../../../src/config/inventory.js';
import { parseExtraVars } from '../../../src/config/extra-vars.js';
import { blockTooDeep, flowTooDeep } from '../../../src/config/yaml-source.js';
import { MAX_INVENTORY_HOSTS } from '../../../src/config/inventory-builder.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { evaluate, renderCommand, renderString, TemplateError } from '../../../src/template/index.js';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fs-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string, ext = 'yml'): string {
  const f = join(dir, `f${++n}.${ext}`);
  writeFileSync(f, text);
  return f;
}

/** The diagnostic codes a loader reported (errors only), whether it returned them or threw them. */
function codes(fn: () => unknown): { codes: string[] } {
  try {
    const r = fn() as { diagnostics?: Array<{ severity: string; code: string }> };
    return { codes: (r?.diagnostics ?? []).filter((d) => d.severity === 'error').map((d) => d.code) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { codes: e.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code) };
  }
}

/** Nine levels of nine aliases: 9^9 (387 million) leaves once expanded. */
function laughs(indent: string): string {
  const lines = [`${indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  for (let i = 1; i <= 8; i++) lines.push(`${indent}l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

const PLAY_HEAD = '- hosts: localhost\n  gather_facts: false\n';

test('a billion-laughs playbook (vars) is refused with config.aliasBomb', () => {
  const r = codes(() => loadPlaybook(file(`- hosts: localhost\n  vars:\n${laughs('    ')}\n  tasks:\n    - { command: "true", changed_when: false }\n`)));
  assert.ok(r.codes.length > 0 && r.codes.every((c) => c === 'config.aliasBomb'), r.codes.join());
});

test('a billion-laughs task (task vars and a loop over the bomb) is refused with config.aliasBomb', () => {
  const r = codes(() => loadPlaybook(file(`- hosts: localhost\n  tasks:\n    - name: t\n      debug: { msg: x }\n      loop: [*l8]\n      vars:\n${laughs('        ')}\n`)));
  assert.ok(r.codes.includes('config.aliasBomb'), r.codes.join());
});

test('a billion-laughs inventory is refused with config.aliasBomb', () => {
  const r = codes(() => loadInventoryReport([file(`all:\n  vars:\n${laughs('    ')}\n  hosts:\n    h1: { ansible_connection: local }\n`)]));
  assert.ok(r.codes.includes('config.aliasBomb'), r.codes.join());
});

test('billion-laughs extra-vars (-e @file and inline) are refused with config.aliasBomb', () => {
  assert.ok(codes(() => parseExtraVars([`@${file(laughs(''))}`], dir)).codes.includes('config.aliasBomb'));
  const inline = `{${laughs('').split('\n').join(', ')}}`;
  assert.ok(codes(() => parseExtraVars([inline], dir)).codes.includes('config.aliasBomb'));
});

test('merge keys (<<) chained over a bomb are refused too', () => {
  const r = codes(() => loadPlaybook(file(`- hosts: localhost\n  vars:\n${laughs('    ')}\n    m1: &m1 { a: *l8 }\n    m2: { <<: *m1, b: 1 }\n  tasks: []\n`)));
  assert.ok(r.codes.includes('config.aliasBomb'), r.codes.join());
});

const DEEP: Array<[string, string]> = [
  ['flow sequences, 1,000,000 deep (2 MB)', `${PLAY_HEAD}  vars:\n    x: ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}\n  tasks: []\n`],
  ['flow mappings, 100,000 deep', `${PLAY_HEAD}  vars:\n    x: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)}\n  tasks: []\n`],
  ['compact block sequences on one line, 1,000,000 deep', `${PLAY_HEAD}  vars:\n    x:\n      ${'- '.repeat(1_000_000)}x\n  tasks: []\n`],
  ['block mappings by indentation, 2,000 deep', `${PLAY_HEAD}  vars:\n    x:\n${Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i + 3)}k${i}:`).join('\n')} 1\n  tasks: []\n`],
  ['just past the limit (65 levels)', `${PLAY_HEAD}  vars:\n    x: ${'['.repeat(66)}${']'.repeat(66)}\n  tasks: []\n`],
];
for (const [name, text] of DEEP) {
  test(`deep nesting (${name}) is config.tooDeep, not a crash`, () => {
    const r = codes(() => loadPlaybook(file(text)));
    assert.deepEqual(r.codes, ['config.tooDeep']);
  });
}

test('nesting within the limit still loads', () => {
  const { playbook } = loadPlaybook(file(`${PLAY_HEAD}  vars:\n    x: ${'['.repeat(60)}1${']'.repeat(60)}\n  tasks: []\n`));
  assert.equal(playbook.plays.length, 1);
});

test('the pre-parse scans ignore what ordinary files hold: balanced brackets, templates, dashes in text', () => {
  const ordinary = `- hosts: all\n  tasks:\n    - shell: "[ -e {{ x }} ] && echo '{{ y | to_json }}' - - - x"\n      loop: [[1, [2]], {a: {b: [3]}}]\n`;
  assert.equal(flowTooDeep(ordinary, 1000), undefined);
  assert.equal(blockTooDeep(ordinary, 1000), undefined);
  assert.equal(flowTooDeep('['.repeat(1001), 1000), 1000);
  assert.equal(blockTooDeep(`x:\n  ${'- '.repeat(1001)}`, 1000), 'x:\n  '.length + 2 * 1000);
});

test('a 20 MB playbook, inventory and extra-vars file are config.tooLarge, unread', () => {
  const big = `${PLAY_HEAD}  vars:\n    blob: |\n${`      ${'x'.repeat(100)}\n`.repeat(200_000)}  tasks: []\n`;
  assert.ok(big.length > 20_000_000);
  const f = file(big);
  assert.deepEqual(codes(() => loadPlaybook(f)).codes, ['config.tooLarge']);
  assert.deepEqual(codes(() => loadInventoryReport([f])).codes, ['config.tooLarge']);
  assert.deepEqual(codes(() => parseExtraVars([`@${f}`], dir)).codes, ['config.tooLarge']);
});

test(`host ranges summing past ${MAX_INVENTORY_HOSTS} hosts are inventory.tooManyHosts (reported once, expansion stopped)`, () => {
  const ini = file(Array.from({ length: 200 }, (_, i) => `g${i}x[0:99999]`).join('\n') + '\n', 'ini');
  const r = codes(() => loadInventoryReport([ini]));
  assert.deepEqual(r.codes, ['inventory.tooManyHosts']);
  const one = file('n[0:99999999]\n', 'ini');
  assert.deepEqual(codes(() => loadInventoryReport([one])).codes, ['inventory.badRange']);
});

function tcode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e.code;
    throw e;
  }
  return 'no error';
}

const TEMPLATES: Array<[string, string, string]> = [
  ['a loop that never ends (nested ranges)', '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}', 'template.tooLarge'],
  ['a huge range', '{{ range(10000000000) | length }}', 'template.tooLarge'],
  ['a list that doubles itself', '{% set l = [1] %}{% for i in range(64) %}{% set l = l + l %}{% endfor %}{{ l | length }}', 'template.tooLarge'],
  ['recursion', '{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}', 'template.tooLarge'],
  ["lookup('env')", "{{ lookup('env', 'FS_HOSTILE_SECRET') }}", 'template.undefined'],
  ["lookup('pipe')", "{{ lookup('pipe', 'id') }}", 'template.undefined'],
  ['ansible_env', '{{ ansible_env.FS_HOSTILE_SECRET }}', 'template.undefined'],
  ['env', '{{ env.FS_HOSTILE_SECRET }}', 'template.undefined'],
  ['process.env', '{{ process.env.FS_HOSTILE_SECRET }}', 'template.undefined'],
  ['a constructor to reach process', "{{ range.constructor('return process.env.FS_HOSTILE_SECRET')() }}", 'template.forbidden'],
];

for (const [name, tmpl, code] of TEMPLATES) {
  test(`a template with ${name} fails with ${code}, bounded`, () => {
    process.env.FS_HOSTILE_SECRET = 'hostile-env-secret';
    try {
      assert.equal(tcode(() => renderString(tmpl, {})), code);
      assert.equal(tcode(() => renderCommand(tmpl, {})), code);
      const expr = /^\{\{ (.*) \}\}$/.exec(tmpl)?.[1];
      if (expr !== undefined) assert.equal(tcode(() => evaluate(expr, {})), code);
    } finally {
      delete process.env.FS_HOSTILE_SECRET;
    }
  });
}

test('through the CLI: a bomb, deep nesting, a 20 MB file and endless ranges exit 3 with their codes and contact nothing', async () => {
  const state = join(dir, 'state');
  const cases: Array<[string[], RegExp]> = [
    [['run', file(`- hosts: localhost\n  vars:\n${laughs('    ')}\n  tasks: []\n`)], /config\.aliasBomb/],
    [['run', file(`${PLAY_HEAD}  vars:\n    x: ${'['.repeat(1_000_000)}\n  tasks: []\n`)], /config\.tooDeep/],
    [['run', file(`${PLAY_HEAD}  vars:\n    x:\n${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i + 3)}k${i}:`).join('\n')} 1\n  tasks: []\n`)], /config\.tooDeep/],
    [['run', file(`${PLAY_HEAD}  tasks: []\n${'#'.repeat(17 * 1024 * 1024)}\n`)], /config\.tooLarge/],
    [['run', file(`${PLAY_HEAD}  tasks: []\n`), '-i', file(Array.from({ length: 200 }, (_, i) => `g${i}x[0:99999]`).join('\n') + '\n', 'ini')], /inventory\.tooManyHosts/],
  ];
  for (const [args, code] of cases) {
    const r = await runCli([...args, '--state-dir', state], { timeoutMs: 60_000 });
    assert.equal(r.code, 3, `${args.join(' ').slice(0, 80)}: ${r.stderr.slice(0, 500)}`);
    assert.match(r.stderr, code);
    assert.match(r.stderr, /no host was contacted/);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
});

test('through the CLI: a template that loops forever fails its task with template.tooLarge; the environment stays out of reach', async () => {
  const state = join(dir, 'state2');
  const pb = file(`- hosts: localhost
  tasks:
    - name: endless
      command: "echo {% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
      changed_when: false
      ignore_errors: true
    - name: env
      debug: { msg: "{{ lookup('env', 'FS_HOSTILE_SECRET') }}" }
`);
  const json = join(dir, 'endless.json');
  const r = await runCli(['run', pb, '--state-dir', state, '--json', json], { env: { FS_HOSTILE_SECRET: 'hostile-env-secret' }, timeoutMs: 60_000 });
  assert.equal(r.code, 4, r.stdout + r.stderr);
  const rep = JSON.parse(readFileSync(json, 'utf8')) as { hosts: Record<string, { tasks: Array<{ name: string; outcome: string; reason: string }> }> };
  const [endless, env] = rep.hosts.localhost!.tasks;
  assert.deepEqual([endless!.outcome, env!.outcome], ['failed', 'failed']);
  assert.match(endless!.reason, /^template\.tooLarge: /);
  assert.match(env!.reason, /^template\.undefined: /);
  assert.doesNotMatch(readFileSync(json, 'utf8') + r.stdout + r.stderr, /hostile-env-secret/);
});
