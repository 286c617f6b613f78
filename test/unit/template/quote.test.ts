// shq, the sh tagged template and Secret: every value reaches sh as exactly one literal word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { shq, sh, raw, secret, isShellCommand, TemplateError } from '../../../src/template/index.js';

/** Lone surrogates cannot be encoded as UTF-8 (Node substitutes U+FFFD), so they cannot round-trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SHELLS = ['/bin/sh', '/bin/dash', '/bin/busybox'].filter((p) => existsSync(p));

/** What the shell's printf actually receives as its one argument. */
function through(shell: string, quoted: string): Buffer {
  return execFileSync(shell, ['-c', `printf %s ${quoted}`]);
}

const QUOTING: Array<[string, string, string]> = [
  ['an empty string becomes an empty quoted word', '', "''"],
  ['a safe word stays bare', '/dev/rbd0', '/dev/rbd0'],
  ['a word with a single quote is closed, escaped and reopened', "it's", `'it'\\''s'`],
  ['a space forces quoting', 'a b', "'a b'"],
  ['command substitution stays literal', '$(id)', "'$(id)'"],
  ['backticks stay literal', '`id`', "'`id`'"],
  ['a semicolon stays literal', 'sdi;reboot', "'sdi;reboot'"],
  ['a leading dash is data, not quoting: it stays one word', '-o force', "'-o force'"],
  ['a bare leading dash word is left bare (guard options with --)', '-rf', '-rf'],
  ['an assignment-shaped word is quoted so it cannot become an assignment', 'PATH=/tmp', "'PATH=/tmp'"],
  ['a newline is kept inside the quotes', 'a\nb', "'a\nb'"],
  ['non-ASCII text is quoted', 'é', "'é'"],
  ['a tilde is quoted so it does not expand', '~root', "'~root'"],
  ['a glob is quoted so it does not expand', '*', "'*'"],
];

for (const [name, input, expected] of QUOTING) {
  test(`shq: ${name}`, () => {
    assert.equal(shq(input), expected);
    for (const shell of SHELLS) assert.equal(through(shell, shq(input)).toString('utf8'), input, shell);
  });
}

test('shq: a NUL byte is refused with template.nulByte, since no argv can carry it', () => {
  assert.throws(() => shq('a\0b'), (e: unknown) => e instanceof TemplateError && e.code === 'template.nulByte');
});

for (const shell of SHELLS) {
  test(`shq: any string without NUL round-trips through ${shell} byte for byte`, () => {
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.stringMatching(/^[-'"$`\\ \n\t;|&<>(){}*?~#=!a-z]{0,30}$/),
    ).filter((s) => !s.includes('\0') && !LONE_SURROGATE.test(s));
    fc.assert(
      fc.property(strings, (s) => {
        assert.deepEqual(through(shell, shq(s)), Buffer.from(s, 'utf8'));
      }),
      { numRuns: 200 },
    );
  });
}

test('sh: every interpolated value is quoted, arrays become words, numbers are stringified', () => {
  const dev = 'sdi;reboot';
  const cmd = sh`rbd unmap ${dev} ${['a b', 'c']} --n ${3}`;
  assert.equal(cmd.text, "rbd unmap 'sdi;reboot' 'a b' c --n 3");
  assert.equal(cmd.masked, cmd.text);
  assert.ok(isShellCommand(cmd));
});

test('sh: a secret is quoted in text and masked in masked and toString', () => {
  const cmd = sh`mount -o password=${secret("p'w")} /mnt`;
  assert.equal(cmd.text, `mount -o password='p'\\''w' /mnt`);
  assert.equal(cmd.masked, "mount -o password='******' /mnt");
  assert.equal(String(cmd), cmd.masked);
  assert.equal(`${cmd}`, cmd.masked);
});

test('sh: a nested command and raw() are inserted as they are', () => {
  const inner = sh`echo ${'a b'}`;
  const cmd = sh`${inner} ${raw('| wc -l')}`;
  assert.equal(cmd.text, "echo 'a b' | wc -l");
});

test('sh: a look-alike object from data is quoted as JSON, not trusted as a command', () => {
  const fake = { text: '; reboot', masked: '' };
  assert.equal(sh`echo ${fake}`.text, `echo '{"text":"; reboot","masked":""}'`);
});

test('sh: a secret inside an object is revealed in text and masked in masked', () => {
  const cmd = sh`curl -d ${{ token: secret('t0k') }}`;
  assert.equal(cmd.text, `curl -d '{"token":"t0k"}'`);
  assert.equal(cmd.masked, `curl -d '{"token":"******"}'`);
});

test('sh: null and undefined are errors rather than empty words', () => {
  for (const v of [null, undefined]) {
    assert.throws(() => sh`rm -rf /var/lib/${v}`, (e: unknown) => e instanceof TemplateError && e.code === 'template.undefined');
  }
});

test('Secret never shows its value in String, JSON or inspect', () => {
  const s = secret('hunter2');
  assert.equal(String(s), '******');
  assert.equal(JSON.stringify({ s }), '{"s":"******"}');
  assert.ok(!inspect(s).includes('hunter2'));
  assert.equal(s.reveal(), 'hunter2');
});
