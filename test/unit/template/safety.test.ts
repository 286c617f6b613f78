// Templates cannot reach Node (process, require, Function) and cannot make a render unbounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, renderCommand, renderString, TemplateError } from '../../../src/template/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return e.code;
    throw e;
  }
  return 'no error';
}

const vars = { s: 'x', d: { a: 1 }, l: [1], big: 'y'.repeat(1000), huge: 'h'.repeat(500_000) };

const ESCAPES: Array<[string, string]> = [
  ['{{ "".constructor.constructor("return process")() }}', 'template.forbidden'],
  ['{{ range.constructor("return process")() }}', 'template.forbidden'],
  ['{{ dict.constructor }}', 'template.forbidden'],
  ['{{ (1).constructor }}', 'template.forbidden'],
  ['{{ d.__proto__ }}', 'template.forbidden'],
  ['{{ d["__proto__"] }}', 'template.forbidden'],
  ['{{ l.constructor.prototype }}', 'template.forbidden'],
  ['{{ d.__defineGetter__ }}', 'template.forbidden'],
  ['{{ r/x/.constructor }}', 'template.forbidden'],
  ['{% for i in l %}{{ loop.constructor }}{% endfor %}', 'template.forbidden'],
  ['{% macro m() %}{% endmacro %}{{ m.constructor }}', 'template.forbidden'],
  ['{{ process }}', 'template.undefined'],
  ['{{ require }}', 'template.undefined'],
  ['{{ globalThis }}', 'template.undefined'],
  ['{{ global }}', 'template.undefined'],
  ['{{ this }}', 'template.undefined'],
  ['{{ constructor }}', 'template.undefined'],
  ['{{ toString }}', 'template.undefined'],
  ['{{ hasOwnProperty }}', 'template.undefined'],
  ['{{ lipsum }}', 'template.undefined'],
  ['{{ cycler }}', 'template.undefined'],
  ['{{ joiner }}', 'template.undefined'],
  ['{% for toString in [] %}{% endfor %}{{ toString }}', 'template.undefined'],
  ['{{ l.map }}', 'template.undefined'],
  ['{% macro m() %}{% endmacro %}{{ m.call }}', 'template.undefined'],
  ['{{ r/x/.exec("x") }}', 'template.undefined'],
  ['{{ s | constructor }}', 'template.filter'],
  ['{{ s | __fs_out }}', 'template.filter'],
  ['{{ s is constructor }}', 'template.filter'],
  ['{% include "/etc/passwd" %}', 'template.syntax'],
  ['{% import "/etc/passwd" as p %}', 'template.syntax'],
  ['{% from "/etc/passwd" import x %}', 'template.syntax'],
  ['{% extends "/etc/passwd" %}', 'template.syntax'],
  ['{% block b %}{% endblock %}', 'template.syntax'],
  ['{% call m() %}x{% endcall %}', 'template.syntax'],
];

for (const [tmpl, expected] of ESCAPES) {
  test(`the escape attempt ${tmpl} fails with ${expected}`, () => {
    assert.equal(code(() => renderString(tmpl, vars)), expected);
    assert.equal(code(() => renderCommand(tmpl, vars)), expected);
  });
}

test('a name the template binds itself still works, even one shadowing Object.prototype', () => {
  assert.equal(renderString('{% set toString = "mine" %}{{ toString }}', {}), 'mine');
  assert.equal(renderString('{% for constructor in [1, 2] %}{{ constructor }}{% endfor %}', {}), '12');
});

const BOUNDS: Array<[string, string]> = [
  ['a huge range() is refused before allocating', '{{ range(10000000) | length }}'],
  ['nested loops are capped by total iterations', '{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}'],
  ['string repetition is capped', '{{ "x" * 100000000 }}'],
  ['list repetition is capped', '{{ (l * 100000000) | length }}'],
  ['doubling a string in a loop is capped', '{% set t = big %}{% for i in range(40) %}{% set t = t ~ t %}{% endfor %}{{ t | length }}'],
  ['rendered output is capped', '{% for i in range(5000) %}{{ big }}{% endfor %}'],
  ['values behind placeholders count toward the output cap', '{% for i in range(2000) %}{{ huge }}{% endfor %}'],
  ['literal text repeated by a loop is capped', `{% for i in range(90000) %}${'z'.repeat(100)}{% endfor %}`],
  ['replace() that would explode is capped', '{{ (big * 10) | replace("", big) | length }}'],
  ['regex_replace() that would explode is capped', '{{ (big * 10) | regex_replace("", big) | length }}'],
  ['indent() with a huge width is capped', '{{ s | indent(width=1000000000) }}'],
  ['a format width is capped', '{{ "%9999999999s" % s }}'],
  ['unbounded macro recursion is stopped', '{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}'],
  ['an oversized template is refused', 'x'.repeat(300 * 1024) + '{{ s }}'],
];

for (const [name, tmpl] of BOUNDS) {
  test(`${name} (template.tooLarge)`, () => {
    const started = Date.now();
    assert.equal(code(() => renderString(tmpl, vars)), 'template.tooLarge');
    assert.equal(code(() => renderCommand(tmpl, vars)), 'template.tooLarge');
    assert.ok(Date.now() - started < 5000, 'bounded in time too');
  });
}

test('a value in evaluate cannot reach Node either', () => {
  assert.equal(code(() => evaluate('"".constructor', vars)), 'template.forbidden');
  assert.equal(code(() => evaluate('process.env', vars)), 'template.undefined');
});
