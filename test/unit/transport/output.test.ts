// Output capture and the command wrapper's pure parts: caps, UTF-8, the stderr marker and sudo prompt filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CappedBuffer, StderrFilter, completeUtf8Length } from '../../../src/transport/output.js';
import { killScript, wrapCommand } from '../../../src/transport/wrapper.js';
import { shq, exportsFor } from '../../../src/transport/sh.js';
import { signalToRc } from '../../../src/transport/exec.js';

test('a capped buffer keeps the first bytes, drops the rest and says it truncated', () => {
  const b = new CappedBuffer(5);
  b.push(Buffer.from('abc'));
  b.push(Buffer.from('defgh'));
  b.push(Buffer.from('ijk'));
  assert.equal(b.text(), 'abcde');
  assert.equal(b.truncated, true);
});

test('output exactly at the cap is not truncated', () => {
  const b = new CappedBuffer(3);
  b.push(Buffer.from('abc'));
  assert.equal(b.truncated, false);
});

test('a multi-byte character cut by the cap is dropped whole instead of becoming a replacement character', () => {
  const b = new CappedBuffer(3);
  b.push(Buffer.from('a€b')); // € is 3 bytes
  assert.equal(b.text(), 'a');
  assert.equal(completeUtf8Length(Buffer.from('ab')), 2);
  assert.equal(completeUtf8Length(Buffer.from([0x61, 0xf0, 0x9f, 0x98])), 1);
});

test('invalid UTF-8 becomes U+FFFD and nothing is trimmed', () => {
  const b = new CappedBuffer(100);
  b.push(Buffer.from([0xff, 0x20, 0x0a, 0x0a]));
  assert.equal(b.text(), '\uFFFD \n\n');
});

test('the stderr filter removes the marker line even when it arrives split across chunks, and keeps the rest byte for byte', () => {
  const got: Buffer[] = [];
  let pgid: number | undefined;
  const f = new StderrFilter('abc123', undefined, (b) => got.push(b), { marker: (n) => (pgid = n) });
  f.push(Buffer.from('\x1eFSPG:ab'));
  f.push(Buffer.from('c123:4242'));
  assert.equal(pgid, undefined);
  f.push(Buffer.from('\nerr '));
  f.push(Buffer.from([0xff, 0x0a]));
  f.end();
  assert.equal(pgid, 4242);
  assert.deepEqual(Buffer.concat(got), Buffer.from([0x65, 0x72, 0x72, 0x20, 0xff, 0x0a]));
});

test('a marker with another nonce is left in the output', () => {
  const got: Buffer[] = [];
  const f = new StderrFilter('aaaa', undefined, (b) => got.push(b), {});
  f.push(Buffer.from('\x1eFSPG:bbbb:1\n'));
  f.end();
  assert.equal(Buffer.concat(got).toString(), '\x1eFSPG:bbbb:1\n');
});

test('sudo prompts are counted and removed, and what sudo says before the marker is kept', () => {
  const got: Buffer[] = [];
  const prompts: number[] = [];
  const f = new StderrFilter('n1', '[p-n1]', (b) => got.push(b), { prompt: (n) => prompts.push(n) });
  f.push(Buffer.from('[p-'));
  f.push(Buffer.from('n1]Sorry, try again.\n[p-n1]'));
  f.push(Buffer.from('\x1eFSPG:n1:77\nafter'));
  assert.deepEqual(prompts, [1, 2]);
  assert.equal(Buffer.concat(got).toString(), 'Sorry, try again.\nafter');
});

test('when no marker comes (sudo refused) the held-back stderr is flushed at the end', () => {
  const got: Buffer[] = [];
  const f = new StderrFilter('n1', undefined, (b) => got.push(b), {});
  f.push(Buffer.from('sudo: a password is required\n'));
  assert.equal(got.length, 0);
  f.end();
  assert.equal(Buffer.concat(got).toString(), 'sudo: a password is required\n');
});

test('shell quoting survives quotes, dollars, backticks, newlines and the empty string', () => {
  assert.equal(shq("it's"), `'it'\\''s'`);
  assert.equal(shq(''), `''`);
  assert.equal(shq('/dev/mapper/x'), '/dev/mapper/x');
  assert.equal(shq('a=b'), `'a=b'`);
  assert.throws(() => shq('a\0b'));
  assert.equal(exportsFor({ A: 'x y', B: '$(id)' }), `export A='x y' B='$(id)'; `);
});

test('the kill script only accepts a plain process group id above 1', () => {
  assert.match(killScript(1234), /kill -s TERM -- -1234/);
  for (const bad of [0, 1, -5, 1.5, Number.NaN]) assert.throws(() => killScript(bad));
});

test('the sudo password never appears in the command line', () => {
  const w = wrapCommand('id', { become: { user: 'root', password: 'hunter2' } });
  assert.ok(!w.line.includes('hunter2'));
  assert.match(w.line, /^exec sudo -S -p '\[fleetsweep-sudo-[0-9a-f]+\]' -u root -- \/bin\/sh -c /);
  assert.match(wrapCommand('id', { become: { user: 'root' } }).line, /^exec sudo -n -u root -- /);
});

test('a signal exit maps to 128 plus the signal number', () => {
  assert.equal(signalToRc('KILL'), 137);
  assert.equal(signalToRc('SIGTERM'), 143);
  assert.equal(signalToRc(null), null);
});
