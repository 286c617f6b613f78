// schema/playbook.schema.json agrees with the loader: same keys, good fixtures accepted, structurally bad ones rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { loadYaml, toJS } from '../../../src/config/yaml-source.js';
import { PLAY_KEYS, TASK_KEYS, LOOP_CONTROL_KEYS } from '../../../src/config/playbook-keys.js';
import { DURATION_PATTERN } from '../../../src/config/duration.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SCHEMA_FILE = join(ROOT, 'schema/playbook.schema.json');
const GOOD = join(ROOT, 'test/fixtures/playbooks');
const BAD = join(ROOT, 'test/fixtures/bad/playbook');

/** Codes for problems of shape (keys, types, values): the schema must reject every file that has one. */
const SHAPE_CODES = new Set([
  'config.unknownKey', 'config.unsupported', 'config.badType', 'config.badValue', 'config.badDuration', 'config.badSerial',
  'config.badName', 'config.missingKey', 'config.conflictingKeys', 'config.empty', 'task.noAction', 'task.conflictingActions',
  'contract.noVerify', 'contract.noSnapshot', 'contract.noApply',
]);

type SchemaNode = { properties?: Record<string, unknown>; definitions?: Record<string, SchemaNode> };
const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as SchemaNode;
// strictRequired off: oneOf/if branches name required keys the branch itself does not define, by design
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(schema);

function yamlToJs(file: string): { ok: true; value: unknown } | { ok: false } {
  const diags: never[] = [];
  const ys = loadYaml(file, diags);
  if (!ys) return { ok: false };
  return { ok: true, value: toJS(ys, ys.doc.contents, diags) };
}

function expectedCodes(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^#\s*expect:\s*\d+:\d+\s+(\S+)/gm)].map((m) => m[1]!);
}

test('the schema is a valid draft-07 schema that compiles in strict mode', () => {
  assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
});

test('the schema lists exactly the keys the loader accepts', () => {
  const keys = (n: SchemaNode | undefined): string[] => Object.keys(n?.properties ?? {}).sort();
  assert.deepEqual(keys(schema.definitions?.['play']), [...PLAY_KEYS].sort());
  assert.deepEqual(keys(schema.definitions?.['task']), [...TASK_KEYS].sort());
  const task = schema.definitions?.['task'] as { properties: Record<string, SchemaNode> };
  assert.deepEqual(keys(task.properties['loop_control']), [...LOOP_CONTROL_KEYS].sort());
});

test('the schema spells durations with the loader\'s pattern', () => {
  const duration = schema.definitions?.['duration'] as { anyOf: Array<{ pattern?: string }> };
  assert.deepEqual(duration.anyOf.map((a) => a.pattern).filter(Boolean), [DURATION_PATTERN]);
});

test('every good fixture playbook is valid against the schema', () => {
  const files = readdirSync(GOOD).filter((f) => f.endsWith('.yml'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const js = yamlToJs(join(GOOD, f));
    assert.ok(js.ok, f);
    assert.equal(validate(js.value), true, `${f}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('the schema rejects every bad fixture with a shape problem and accepts the ones whose problems it cannot see', () => {
  let rejected = 0;
  for (const f of readdirSync(BAD).filter((x) => x.endsWith('.yml'))) {
    const codes = expectedCodes(join(BAD, f));
    const js = yamlToJs(join(BAD, f));
    if (!js.ok) continue; // YAML syntax errors: nothing for a schema to see
    const shape = codes.some((c) => SHAPE_CODES.has(c));
    assert.equal(validate(js.value), !shape, `${f} (${codes.join(', ')}): ${shape ? 'schema accepted a playbook the loader rejects' : ajv.errorsText(validate.errors)}`);
    if (shape) rejected++;
  }
  assert.ok(rejected >= 15, `only ${rejected} bad fixtures exercised the schema`);
});

test('small cases agree between schema and loader', () => {
  const play = (extra: object, task: object = { shell: 'ls' }): unknown => [{ hosts: 'all', ...extra, tasks: [task] }];
  const accepted: unknown[] = [
    play({ serial: '25%' }), play({ serial: [1, '10%'] }), play({ timeout: '1m30s' }), play({ become: 'yes' }),
    play({}, { command: ['ls', '-l'] }), play({}, { 'ansible.builtin.shell': 'ls' }),
    play({}, { apply: 'x', verify: false, destructive: false }), play({}, { apply: 'x', verify: 'y', snapshot: 'z' }),
    play({}, { debug: null }), play({}, { set_fact: { a: 1 } }), play({}, { shell: 'ls', when: ['a', true] }),
  ];
  const rejected: unknown[] = [
    play({ serial: 0 }), play({ serial: '0%' }), play({ timeout: 0 }), play({ timeout: 'soon' }), play({ strategy: 'fast' }),
    play({}, { shell: 'ls', retries: 'three' }), play({}, { shell: 'ls', register: 'a-b' }), play({}, { shell: 'ls', command: 'ls' }),
    play({}, { name: 'x' }), play({}, { apply: 'x', snapshot: 'y' }), play({}, { apply: 'x', verify: 'y' }), play({}, { check: 'x' }),
    play({}, { apply: 'x', verify: true, destructive: false }), play({}, { shell: 'ls', loop: 'items' }), [{ tasks: [] }], [],
  ];
  for (const v of accepted) assert.equal(validate(v), true, `${JSON.stringify(v)}: ${ajv.errorsText(validate.errors)}`);
  for (const v of rejected) assert.equal(validate(v), false, JSON.stringify(v));
});

test('an example playbook points editors at the schema', () => {
  const text = readFileSync(join(GOOD, 'contract.yml'), 'utf8');
  const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text);
  assert.ok(m, 'contract.yml names the schema');
  assert.ok(existsSync(resolve(dirname(join(GOOD, 'contract.yml')), m[1]!)), 'the schema path resolves');
});
