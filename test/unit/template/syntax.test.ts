// checkSyntax: bad templates are found without rendering, with codes and file positions config can report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSyntax, TemplateError } from '../../../src/template/index.js';

const at = (text: string, line = 7, col = 14) => ({ text, loc: { file: 'playbooks/sweep.yml', line, col } });

const VALID: Array<[string, 'template' | 'command' | 'expression']> = [
  ['rbd unmap {{ item }}', 'command'],
  ['{% for d in devs %}multipath -f {{ d }}\n{% endfor %}', 'command'],
  ['result.rc == 0 and result.stdout is search("mpath")', 'expression'],
  ['{{ stale | length > 0 }}', 'expression'],
  ["x in {'a': {'b': 1}}", 'expression'],
  ['plain text', 'template'],
];

for (const [text, kind] of VALID) {
  test(`a valid ${kind} ${JSON.stringify(text)} has no syntax error`, () => {
    assert.equal(checkSyntax(at(text), kind), undefined);
  });
}

const INVALID: Array<[string, 'template' | 'command' | 'expression', string, { line: number; col: number }]> = [
  ['rbd unmap {{ item | uper }}', 'command', 'template.filter', { line: 7, col: 14 + 20 }],
  ['ok\n{{ x | frobnicate }}', 'template', 'template.filter', { line: 8, col: 8 }],
  ['x is definedd', 'expression', 'template.filter', { line: 7, col: 14 + 5 }],
  ['rbd unmap {{ item ', 'command', 'template.syntax', { line: 7, col: 14 + 18 }],
  ['{% for d in devs %}x', 'template', 'template.syntax', { line: 7, col: 14 + 20 }],
  ['{% include "x" %}', 'template', 'template.syntax', { line: 7, col: 14 + 3 }],
  ['a }} {{ b', 'expression', 'template.syntax', { line: 7, col: 14 + 9 }],
  ['x y', 'expression', 'template.syntax', { line: 7, col: 14 + 2 }],
];

for (const [text, kind, code, pos] of INVALID) {
  test(`a bad ${kind} ${JSON.stringify(text)} is ${code} at ${pos.line}:${pos.col}`, () => {
    const e = checkSyntax(at(text), kind);
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, code);
    assert.equal(e.exitCode, 3);
    assert.deepEqual(e.loc, { file: 'playbooks/sweep.yml', ...pos });
  });
}

test('a syntax error converts to a diagnostic that config validation can list with the others', () => {
  const e = checkSyntax(at('{{ x | lenght }}'), 'template');
  assert.ok(e);
  const d = e.toDiagnostic({ file: 'playbooks/sweep.yml', line: 1, col: 1 });
  assert.equal(d.severity, 'error');
  assert.equal(d.code, 'template.filter');
  assert.equal(d.hint, "did you mean 'length'?");
  assert.equal(d.loc.line, 7);
});

test('checkSyntax never renders: undefined variables are not its concern', () => {
  assert.equal(checkSyntax(at('rm {{ not_defined_anywhere }}'), 'command'), undefined);
});
