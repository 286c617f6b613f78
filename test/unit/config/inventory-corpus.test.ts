// The bad-inventory corpus: each broken file reports exactly the (line, col, code) its `# expect:` lines name,
// rendered like a compiler error with the file path, the line and a caret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInventory } from '../../../src/config/inventory.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { formatDiagnostic } from '../../../src/errors/diagnostic.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BAD = join(ROOT, 'test/fixtures/bad/inventory');
const files = readdirSync(BAD).filter((f) => !f.startsWith('.') && !f.endsWith('.md')).sort();

function expected(file: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('#')) break;
    const m = /^#\s*expect:\s*(\d+):(\d+)\s+(\S+)\s*$/.exec(line);
    if (m) out.push(`${m[1]}:${m[2]} ${m[3]}`);
  }
  return out.sort();
}

test('the corpus has at least 12 broken inventories in both formats, each expecting an error', () => {
  assert.ok(files.length >= 12, `only ${files.length} files`);
  assert.ok(files.some((f) => f.endsWith('.ini')) && files.some((f) => f.endsWith('.yml')));
  for (const f of files) assert.ok(expected(join(BAD, f)).length > 0, `${f} has no # expect: line`);
});

test('the corpus covers every inventory error code the brief names', () => {
  const codes = new Set(files.flatMap((f) => expected(join(BAD, f)).map((e) => e.split(' ')[1])));
  for (const c of ['inventory.unknownKey', 'inventory.badRange', 'inventory.cycle', 'inventory.badType', 'inventory.badPort',
    'inventory.iniSyntax', 'inventory.badHostName', 'inventory.badVarName', 'inventory.undefinedGroup', 'yaml.duplicateKey']) {
    assert.ok(codes.has(c), `no bad inventory expects ${c}`);
  }
  assert.ok([...codes].some((c) => c!.startsWith('yaml.') && c !== 'yaml.duplicateKey'), 'a YAML syntax error');
});

for (const f of files) {
  test(`bad inventory ${f} reports exactly its expected errors, rendered with path, caret and hints`, () => {
    const file = join(BAD, f);
    let err: unknown;
    try {
      loadInventory([file]);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError, `${f} loaded without error`);
    const errors = err.diagnostics.filter((d) => d.severity === 'error');
    const rendered = errors.map((d) => formatDiagnostic(d, err.sources.get(d.loc.file)));
    assert.deepEqual(errors.map((d) => `${d.loc.line}:${d.loc.col} ${d.code}`).sort(), expected(file), rendered.join('\n'));
    for (const [i, d] of errors.entries()) {
      const out = rendered[i]!;
      assert.ok(out.startsWith(`${file}:${d.loc.line}:${d.loc.col} ${d.code} `), out);
      const lines = out.split('\n');
      assert.ok(lines[1]!.includes(' | '), `a source line:\n${out}`);
      assert.match(lines[2]!, /^ +\^$/, `a caret line:\n${out}`);
      assert.equal(lines[2]!.indexOf('^') - lines[1]!.indexOf(' | ') - 3, d.loc.col - 1, `caret under column ${d.loc.col}:\n${out}`);
      if (d.code === 'inventory.unknownKey') assert.match(out, /hint: /, `unknown keys carry a hint:\n${out}`);
    }
  });
}
