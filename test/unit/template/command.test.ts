// renderCommand: values are quoted for the sh context they land in, proven by running the result through sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { renderArgv, renderCommand, secret, TemplateError, type ShellCommand } from '../../../src/template/index.js';

const SHELLS = ['/bin/sh', '/bin/dash'].filter((p) => existsSync(p));
const loc = { file: 'play.yml', line: 10, col: 12 };

function run(cmd: ShellCommand, shell = '/bin/sh'): string {
  return execFileSync(shell, ['-c', cmd.text], { encoding: 'utf8' });
}
function render(text: string, vars: Record<string, unknown> = {}): ShellCommand {
  return renderCommand({ text, loc }, vars);
}
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e.code;
    throw e;
  }
  return 'no error';
}

const HOSTILE = ['sdi;reboot', '$(id)', '`id`', '../sda', 'line1\nline2', '-o force', "it's", 'a"b', 'back\\slash', '$HOME', '*', '', ' ', 'é ü', '!x', '#notacomment'];

for (const v of HOSTILE) {
  test(`a hostile value ${JSON.stringify(v)} reaches printf as one literal word, bare, in "..." and in '...'`, () => {
    for (const shell of SHELLS) {
      assert.equal(run(render("printf '[%s]' {{ v }}", { v }), shell), `[${v}]`, shell);
      assert.equal(run(render(`printf '[%s]' "{{ v }}"`, { v }), shell), `[${v}]`, shell);
      assert.equal(run(render(`printf '[%s]' '{{ v }}'`, { v }), shell), `[${v}]`, shell);
      assert.equal(run(render("printf '[%s]' pre-{{ v }}-post", { v }), shell), `[pre-${v}-post]`, shell);
      assert.equal(run(render(`printf '[%s]' "$(printf %s {{ v }})"`, { v }), shell), `[${v.replace(/\n+$/, '')}]`, shell);
    }
  });
}

const CASES: Array<[string, string, Record<string, unknown>, string]> = [
  ['a list interpolates as separate quoted words', "printf '[%s]' {{ l }}", { l: ['a b', '$(id)', 3] }, '[a b][$(id)][3]'],
  ['an empty list interpolates as no words', "printf '[%s]' x {{ l }}", { l: [] }, '[x]'],
  ['adjacent values join into one word', "printf '[%s]' {{ a }}{{ b }}", { a: 'x y', b: "'z" }, "[x y'z]"],
  ['a for loop renders one quoted command per item', "{% for d in devs %}printf '[%s]' {{ d }}\n{% endfor %}", { devs: ['a;b', 'c d'] }, '[a;b][c d]'],
  ['a conditional picks its branch', "{% if force %}printf '[%s]' -f {{ d }}{% else %}printf '[%s]' {{ d }}{% endif %}", { force: false, d: 'x y' }, '[x y]'],
  ['chained filters apply before quoting', "printf '[%s]' {{ d | upper | replace('A', 'a b') }}", { d: 'xa' }, '[Xa b]'],
  ['a string literal is quoted like any value', `printf '[%s]' {{ "lit;eral" }}`, {}, '[lit;eral]'],
  ['numbers and booleans are stringified', "printf '[%s]' {{ n }} {{ n + 1 }} {{ t }}", { n: 41, t: true }, '[41][42][true]'],
  ['a dict interpolates as one JSON word', "printf '[%s]' {{ d }}", { d: { a: [1, 'x'] } }, '[{"a":[1,"x"]}]'],
  ['| raw inserts text verbatim', "printf '[%s]' {{ opts | raw }}", { opts: 'a b' }, '[a][b]'],
  ['| safe behaves like | raw', "printf '[%s]' {{ opts | safe }}", { opts: 'a b' }, '[a][b]'],
  ['| quote is not quoted twice', "printf '[%s]' {{ v | quote }}", { v: 'a b' }, '[a b]'],
  ['| quote inside double quotes cannot expand', `printf '[%s]' "{{ v | quote }}"`, { v: '$(id)' }, '[$(id)]'],
  ['a value inside $(( )) must be an integer and stays bare', "printf '[%s]' $(( {{ n }} * 2 ))", { n: 21 }, '[42]'],
  ['a value inside backticks is quoted', "printf '[%s]' `printf %s {{ v }}`", { v: 'a;b' }, '[a;b]'],
  ['a var that is itself a template is rendered first, then quoted as data', "printf '[%s]' {{ path }}", { name: 'x y', path: '/dev/{{ name }}' }, '[/dev/x y]'],
  ['a macro output keeps its own quoting', "{% macro opt(v) %}--o={{ v }}{% endmacro %}printf '[%s]' {{ opt(x) }}", { x: 'a b' }, '[--o=a b]'],
  ['a captured {% set %} block keeps its own quoting', "{% set c %}printf '[%s]' {{ x }}{% endset %}{{ c }}", { x: 'a b' }, '[a b]'],
  ['trim_blocks drops the newline after a block tag', "{% if true %}\nprintf '[%s]' {{ v }}\n{% endif %}", { v: 'x' }, '[x]'],
];

for (const [name, tmpl, vars, expected] of CASES) {
  test(`when ${name} then sh sees exactly the intended words`, () => {
    for (const shell of SHELLS) assert.equal(run(render(tmpl, vars), shell), expected, shell);
  });
}

test('a secret is in the text that runs but masked in what is logged', () => {
  const vars = { pw: secret("hun'ter2") };
  for (const [tmpl, masked] of [
    ["printf '[%s]' --pw={{ pw }}", "printf '[%s]' --pw='******'"],
    [`printf '[%s]' "{{ pw }}"`, `printf '[%s]' "******"`],
    ["printf '[%s]' {{ pw | raw }}", "printf '[%s]' ******"],
    ["printf '[%s]' {{ 'x-' ~ pw }}", "printf '[%s]' '******'"],
    ["printf '[%s]' {{ pw | upper }}", "printf '[%s]' '******'"],
  ] as const) {
    const cmd = render(tmpl, vars);
    assert.equal(cmd.masked, masked, tmpl);
    assert.ok(!cmd.masked.includes('hun'), tmpl);
    assert.equal(String(cmd), cmd.masked);
  }
  assert.equal(run(render("printf '[%s]' --pw={{ pw }}", vars)), "[--pw=hun'ter2]");
  assert.equal(run(render("printf '[%s]' {{ ('x-' ~ pw) | upper }}", vars)), "[X-HUN'TER2]");
});

test('a secret reached through a templated var stays a secret', () => {
  const cmd = render("printf '[%s]' {{ opt }}", { pw: secret('s3'), opt: '--pw={{ pw }}' });
  assert.equal(cmd.masked, "printf '[%s]' '******'");
  assert.equal(run(cmd), '[--pw=s3]');
});

const ERRORS: Array<[string, string, Record<string, unknown>, string]> = [
  ['a list glued to other text is refused', 'rm -rf /base/{{ l }}', { l: ['a', 'b'] }, 'template.shellContext'],
  ['an empty list glued to a path is refused too', 'rm -rf /base/{{ l }}', { l: [] }, 'template.shellContext'],
  ['a value inside a heredoc is refused', 'cat <<EOF\n{{ v }}\nEOF', { v: 'x' }, 'template.shellContext'],
  ['a value inside a comment is refused', 'true # {{ v }}', { v: 'x' }, 'template.shellContext'],
  ["a value inside bash's $'...' is refused", "echo $'{{ v }}'", { v: "\\'; id; '" }, 'template.shellContext'],
  ['a value inside ${...} is refused', 'echo ${X:-{{ v }}}', { v: 'x' }, 'template.shellContext'],
  ['a value right after a backslash is refused', 'echo \\{{ v }}', { v: 'x' }, 'template.shellContext'],
  ['a non-integer inside $(( )) is refused', 'echo $(( {{ v }} ))', { v: '1;id' }, 'template.shellContext'],
  ['a null value is refused instead of becoming an empty word', 'rm -rf /var/lib/{{ v }}', { v: null }, 'template.undefined'],
  ['an undefined variable is refused', 'rm {{ nope }}', {}, 'template.undefined'],
  ['a NUL byte is refused', 'echo {{ v }}', { v: 'a\0b' }, 'template.nulByte'],
  ['an unknown filter is refused', 'echo {{ v | uper }}', { v: 'a' }, 'template.filter'],
];

for (const [name, tmpl, vars, expected] of ERRORS) {
  test(`when ${name} then the code is ${expected}`, () => {
    assert.equal(code(() => render(tmpl, vars)), expected);
  });
}

test("a value after bash's $'...' closes is quoted normally again", () => {
  const cmd = render("printf '[%s]' $'a\\'b' {{ v }}", { v: 'c d' });
  assert.equal(cmd.text, "printf '[%s]' $'a\\'b' 'c d'");
});

test('a value after a heredoc ends is quoted normally again', () => {
  const cmd = render("cat <<'EOF'\nliteral $x\nEOF\nprintf '[%s]' {{ v }}", { v: 'a b' });
  assert.equal(run(cmd), "literal $x\n[a b]");
});

test('an undefined variable error names the variable and points at it in the file', () => {
  try {
    render('rbd unmap {{ stale_maps }}', {});
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, 'template.undefined');
    assert.match(e.message, /'stale_maps' is undefined/);
    assert.deepEqual(e.loc, { file: 'play.yml', line: 10, col: 12 + 13 });
    assert.equal(e.exitCode, 3);
  }
});

test('an unknown filter error suggests the closest name', () => {
  try {
    render('echo {{ v | regex_replac("a", "b") }}', { v: 'a' });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, 'template.filter');
    assert.match(e.message, /did you mean 'regex_replace'/);
    assert.equal(e.hint, "did you mean 'regex_replace'?");
  }
});

test('renderArgv makes each element exactly one word, templated or literal', () => {
  const cmd = renderArgv(['printf', '[%s]', 'a b', '{{ v }}', '--pw={{ pw }}', '{{ n }}'], { v: '$(id);x', pw: secret('s3'), n: 5 });
  assert.equal(run(cmd), '[a b][$(id);x][--pw=s3][5]');
  assert.equal(cmd.masked, "printf '[%s]' 'a b' '$(id);x' '******' 5");
});
