// -e / --extra-vars in every form Ansible accepts, with located errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExtraVars } from '../../../src/config/extra-vars.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { formatDiagnostic } from '../../../src/errors/diagnostic.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetsweep-ev-'));
writeFileSync(join(dir, 'vars.yml'), 'dry_run: no\nthreshold: 0.9\nnodes: [n1, n2]\n');
writeFileSync(join(dir, 'vars.json'), '{"pv": "pvc-1bf69589", "retries": 3}\n');
writeFileSync(join(dir, 'list.yml'), '- a\n- b\n');
writeFileSync(join(dir, 'bad.yml'), 'a: 1\nb: [1\n');
writeFileSync(join(dir, 'empty.yml'), '');

test('every -e form yields the values Ansible would give', () => {
  const rows: Array<[args: string[], vars: Record<string, unknown>]> = [
    [['pv=pvc-1 image=kube-img'], { pv: 'pvc-1', image: 'kube-img' }],
    // key=value values are strings, even numbers and booleans
    [['port=22 force=true'], { port: '22', force: 'true' }],
    [['msg="hello world" who=\'the sre\''], { msg: 'hello world', who: 'the sre' }],
    [['"note=two words"'], { note: 'two words' }],
    [['expr={{ a | default(1) }} x=1'], { expr: '{{ a | default(1) }}', x: '1' }],
    [['path=a=b'], { path: 'a=b' }],
    [['line=a\\nb'], { line: 'a\nb' }],
    [['empty='], { empty: '' }],
    [['{"pv": "pvc-9", "retries": 3, "nodes": ["n1"]}'], { pv: 'pvc-9', retries: 3, nodes: ['n1'] }],
    [['{dry_run: yes, ratio: 0.5}'], { dry_run: true, ratio: 0.5 }],
    [['@vars.yml'], { dry_run: false, threshold: 0.9, nodes: ['n1', 'n2'] }],
    [['@vars.json'], { pv: 'pvc-1bf69589', retries: 3 }],
    // later arguments override earlier ones
    [['a=1 b=2', '{"b": 3}', 'a=4'], { a: '4', b: 3 }],
    [[''], {}],
    [['{base: &b {x: 1, y: 2}, derived: {<<: *b, y: 3}}'], { base: { x: 1, y: 2 }, derived: { x: 1, y: 3 } }],
  ];
  for (const [args, vars] of rows) assert.deepEqual(parseExtraVars(args, dir).vars, vars, JSON.stringify(args));
});

test('origins say which argument or file set each variable', () => {
  const r = parseExtraVars(['a=1 b=2', '@vars.json'], dir);
  assert.deepEqual(r.origins['b'], { scope: 'extra', loc: { file: '<extra-vars #1>', line: 1, col: 5 } });
  assert.deepEqual(r.origins['retries'], { scope: 'extra', loc: { file: join(dir, 'vars.json'), line: 1, col: 24 } });
});

test('bad extra vars are ConfigErrors located in the argument or the file, all reported at once', () => {
  const rows: Array<[args: string[], errors: string[]]> = [
    [['a=1 oops b=2'], ['<extra-vars #1>:1:5 extraVars.badPair']],
    [['a=1', 'msg="unclosed'], ['<extra-vars #2>:1:5 extraVars.syntax']],
    [['bad-name=1 2x=3'], ['<extra-vars #1>:1:1 extraVars.badName', '<extra-vars #1>:1:12 extraVars.badName']],
    [['vars.yml', './vars.yml'], ['<extra-vars #1>:1:1 extraVars.badPair', '<extra-vars #2>:1:1 extraVars.missingAt']],
    [['/etc/fleet/vars.yml'], ['<extra-vars #1>:1:1 extraVars.missingAt']],
    [['[1, 2]'], ['<extra-vars #1>:1:1 extraVars.notMapping']],
    [['{"a": 1'], ['<extra-vars #1>:1:8 yaml.missingChar']],
    [['@list.yml'], [`${join(dir, 'list.yml')}:1:1 extraVars.notMapping`]],
    [['@empty.yml'], [`${join(dir, 'empty.yml')}:1:1 extraVars.notMapping`]],
    [['@bad.yml'], [`${join(dir, 'bad.yml')}:3:1 yaml.badIndent`]],
    [['@missing.yml'], [`${join(dir, 'missing.yml')}:1:1 config.unreadable`]],
  ];
  for (const [args, errors] of rows) {
    assert.throws(() => parseExtraVars(args, dir), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const got = e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.code}`);
      assert.deepEqual(got, errors, JSON.stringify(args));
      return true;
    }, JSON.stringify(args));
  }
});

test('an extra-vars error renders with the argument text and a caret', () => {
  try {
    parseExtraVars(['pv=pvc-1 oops'], dir);
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const d = e.diagnostics[0]!;
    assert.equal(formatDiagnostic(d, e.sources.get(d.loc.file)), [
      '<extra-vars #1>:1:10 extraVars.badPair expected key=value, got "oops"',
      '    1 | pv=pvc-1 oops',
      '                 ^',
    ].join('\n'));
  }
});
