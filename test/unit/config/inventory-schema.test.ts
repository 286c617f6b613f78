// schema/inventory.schema.json, which editors use: it accepts the fixture inventories and rejects structurally bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { loadYaml, toJS } from '../../../src/config/yaml-source.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'schema/inventory.schema.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(schema);

function yamlValue(rel: string): unknown {
  const diags: never[] = [];
  const ys = loadYaml(join(ROOT, rel), diags, undefined, { version: '1.1' });
  assert.ok(ys, rel);
  return toJS(ys, ys.doc.contents, diags);
}

test('the inventory schema compiles as a strict draft-07 schema', () => {
  assert.equal((schema as { $schema: string }).$schema, 'http://json-schema.org/draft-07/schema#');
});

test('the schema accepts the fixture YAML inventories', () => {
  for (const rel of ['test/fixtures/inventory/k8s-prod.yml', 'test/fixtures/inventory/lab-dir/02-storage.yml']) {
    assert.equal(validate(yamlValue(rel)), true, `${rel}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('the schema rejects bad inventories at the offending path', () => {
  const rows: Array<[rel: string, path: string]> = [
    ['test/fixtures/bad/inventory/yaml-unknown-key.yml', '/all/children/k8s_workers'],
    ['test/fixtures/bad/inventory/yaml-hosts-list.yml', '/all/children/k8s_workers/hosts'],
    ['test/fixtures/bad/inventory/yaml-bad-port.yml', '/all/hosts/worker01/ansible_port'],
    ['test/fixtures/bad/inventory/yaml-bad-varname.yml', '/all/children/k8s_workers/vars'],
    ['test/fixtures/bad/inventory/yaml-wrong-types.yml', '/all/vars'],
    ['test/fixtures/bad/inventory/yaml-wrong-types.yml', '/all/children/ceph/vars/ansible_become'],
    ['test/fixtures/bad/inventory/yaml-bad-hostname.yml', '/all/children/k8s_workers/hosts'],
    ['test/fixtures/bad/inventory/yaml-plugin.yml', ''],
  ];
  for (const [rel, path] of rows) {
    assert.equal(validate(yamlValue(rel)), false, `${rel} should be rejected`);
    assert.ok(validate.errors!.some((e) => e.instancePath === path), `${rel}: no error at "${path}": ${JSON.stringify(validate.errors!.map((e) => e.instancePath))}`);
  }
});

test('the schema accepts what Ansible accepts: empty groups, host shorthands, templated and string ports', () => {
  const ok: unknown[] = [
    null,
    { all: null },
    { all: { hosts: 'web1', children: 'web' }, web: { hosts: { 'web[01:10]:2222': null, '[2001:db8::1]:22': { ansible_port: '22' } } } },
    { all: { vars: { ansible_port: '{{ base_port }}', ansible_become: 'yes', fleetsweep_addresses: '10.0.0.1,10.0.0.2' } } },
  ];
  for (const v of ok) assert.equal(validate(v), true, `${JSON.stringify(v)}: ${ajv.errorsText(validate.errors)}`);
  const bad: unknown[] = [
    { all: { hosts: { web1: { ansible_port: 0 } } } },
    { all: { vars: { fleetsweep_connection: 'winrm' } } },
    { all: { vars: { fleetsweep_addresses: ['10.0.0.1', 'two words'] } } },
    { 'bad group': {} },
    { all: { children: { web: { host: {} } } } },
  ];
  for (const v of bad) assert.equal(validate(v), false, JSON.stringify(v));
});
