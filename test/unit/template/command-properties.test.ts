// Generative: for any string a node could print, a rendered command hands sh exactly those bytes, wherever the
// value lands in the template (a bare word, glued to text, inside "..." or '...', an argv element, a loop item).
// Node output reaches templates as data (withData: registered results, loop items, facts set from them), so
// template syntax inside it is never evaluated either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { renderArgv, renderCommand, withData } from '../../../src/template/index.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/busybox'].filter((p) => existsSync(p));

/** Hostile-looking strings: shell syntax, quotes of every kind, template syntax, control bytes, any Unicode. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.stringMatching(/^[-'"$`\\ \n\t;|&<>(){}*?~#=!%a-z]{0,30}$/),
  fc.constantFrom('sdi;reboot', '../sda', '$(id)', '`id`', '-o force', "it's", 'a"b', '{{ 7 * 7 }}', '{% raw %}', '${IFS}', '\\', "'", '"'),
).filter((s) => !s.includes('\0') && !LONE_SURROGATE.test(s));

/** template -> what printf must print for value v */
const CONTEXTS: Array<[string, (v: string) => string]> = [
  ['printf %s {{ v }}', (v) => v],
  ['printf %s "{{ v }}"', (v) => v],
  ["printf %s '{{ v }}'", (v) => v],
  ['printf %s x{{ v }}y', (v) => `x${v}y`],
  ['printf %s "pre $HOME_UNSET {{ v }} post"', (v) => `pre  ${v} post`],
  ["printf %s 'a'{{ v }}'b'", (v) => `a${v}b`],
  ['printf %s {{ v }}{{ v }}', (v) => v + v],
  ['printf %s "{{ v | upper | lower }}"', (v) => v.toUpperCase().toLowerCase()],
];

function run(shell: string, line: string): Buffer {
  return execFileSync(shell, ['-c', line], { env: { PATH: '/usr/bin:/bin' } });
}

for (const shell of SHELLS) {
  test(`a value from a node reaches ${shell} byte for byte in every quoting context of a command`, () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: CONTEXTS.length - 1 }), (v, i) => {
        const [tmpl, expected] = CONTEXTS[i]!;
        const cmd = renderCommand(tmpl, withData({}, { v }));
        assert.deepEqual(run(shell, cmd.text), Buffer.from(expected(v), 'utf8'), `${tmpl} with ${JSON.stringify(v)} gave ${cmd.text}`);
      }),
      { numRuns: 150 },
    );
  });

  test(`an argv element and a loop item reach ${shell} byte for byte`, () => {
    fc.assert(
      fc.property(hostile, (v) => {
        assert.deepEqual(run(shell, renderArgv(['printf', '%s', '{{ v }}'], withData({}, { v })).text), Buffer.from(v, 'utf8'));
        assert.deepEqual(run(shell, renderCommand('printf %s {{ item.dev }}', withData({}, { item: { dev: v } })).text), Buffer.from(v, 'utf8'));
      }),
      { numRuns: 100 },
    );
  });
}
