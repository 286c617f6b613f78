import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { JournalWriter } from '../../../src/journal/writer.js';
import { readJournal } from '../../../src/journal/reader.js';
import { StateError } from '../../../src/errors/state-error.js';
import { ExitCode } from '../../../src/errors/exit-codes.js';
import { allFiles, meta, mode, readLines, ref, result, spyFs, step, tempDir } from './helpers.js';

test('the run directory is 0700 and the journal and summary files are 0600', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'));
    await step(w, ref('n1', 0), { check: 0, snapshot: 'map x', apply: 0, verify: 0, rollback: 'multipath -a x' });
    await w.close('finished');
    assert.equal(mode(join(dir, 'runs')), 0o700);
    assert.equal(mode(join(dir, 'runs', 'r1')), 0o700);
    assert.equal(mode(join(dir, 'runs', 'r1', 'journal.jsonl')), 0o600);
    assert.equal(mode(join(dir, 'runs', 'r1', 'summary.json')), 0o600);
  } finally {
    await cleanup();
  }
});

test('every record carries seq, an ISO time and a type, in call order', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'));
    await step(w, ref('n1', 0, 'a'), { check: 0, snapshot: 's', apply: 0, verify: 0, rollback: 'undo a' });
    w.note('lock taken over', { from: 'r0' });
    await w.close('finished');
    const lines = readLines(w.path);
    assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1));
    for (const l of lines) assert.ok(typeof l.t === 'string' && !Number.isNaN(Date.parse(l.t as string)));
    assert.deepEqual(lines.map((l) => l.type === 'step' ? `${l.phase}:${l.event}` : l.type), [
      'run-start', 'check:begin', 'check:end', 'snapshot:begin', 'snapshot:end', 'apply:begin', 'apply:end', 'verify:begin', 'verify:end', 'note', 'run-end',
    ]);
    assert.equal((lines[0]!.meta as { runId: string }).runId, 'r1');
    assert.equal(lines[5]!.itemKey, '"a"');
  } finally {
    await cleanup();
  }
});

test('beforeApply resolves only after the snapshot and apply begin are fsynced and readable from disk', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spy = spyFs();
    const w = await JournalWriter.open(dir, meta('r1'), { fs: spy.fs, lazyWriteMs: 0 });
    const syncsAtOpen = spy.syncs.length;
    const r = ref('n1', 0, 'mpatha');
    w.begin(r, 'check', 'c');
    w.end(r, 'check', result(0), 'c');
    w.begin(r, 'snapshot', 's');
    w.end(r, 'snapshot', result(0, 'mpatha (3600a) dm-3 size=10G'), 's');
    // buffered records cost no fsync and are not yet on disk
    assert.equal(spy.syncs.length, syncsAtOpen);
    assert.doesNotMatch(readFileSync(w.path, 'utf8'), /"snapshot"/);

    await w.beforeApply({ ...r, command: 'multipath -f mpatha', snapshot: result(0, 'mpatha (3600a) dm-3 size=10G'), verify: true, rollback: 'multipath -a 3600a' });

    assert.equal(spy.syncs.length, syncsAtOpen + 1);
    const atSync = spy.syncs.at(-1)!;
    assert.match(atSync, /"phase":"snapshot","event":"end"/);
    assert.match(atSync, /"phase":"apply","event":"begin"/);
    const onDisk = readLines(w.path);
    const begin = onDisk.at(-1)!;
    assert.equal(begin.phase, 'apply');
    assert.equal(begin.event, 'begin');
    assert.equal(begin.rollback, 'multipath -a 3600a');
    assert.equal(begin.item, 'mpatha');
    assert.equal((begin.snapshot as { stdout: string }).stdout, 'mpatha (3600a) dm-3 size=10G');
    assert.ok(onDisk.findIndex((l) => l.phase === 'snapshot' && l.event === 'end') < onDisk.length - 1);
    await w.close('finished');
  } finally {
    await cleanup();
  }
});

test('concurrent applies keep their call order and share one fsync', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spy = spyFs();
    const w = await JournalWriter.open(dir, meta('r1'), { fs: spy.fs });
    const before = spy.syncs.length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => w.beforeApply({ ...ref(`n${i}`, 0), command: 'x', verify: false })));
    assert.equal(spy.syncs.length, before + 1);
    const hosts = readLines(w.path).filter((l) => l.phase === 'apply').map((l) => l.host);
    assert.deepEqual(hosts, Array.from({ length: 20 }, (_, i) => `n${i}`));
    await w.close('finished');
  } finally {
    await cleanup();
  }
});

test('buffered records reach the file without fsync shortly after, so a killed process keeps them', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spy = spyFs();
    const w = await JournalWriter.open(dir, meta('r1'), { fs: spy.fs, lazyWriteMs: 5 });
    const before = spy.syncs.length;
    w.end(ref('n1', 0), 'check', result(1, 'nothing to do'));
    for (let i = 0; i < 100 && !readFileSync(w.path, 'utf8').includes('nothing to do'); i++) await new Promise((r) => setTimeout(r, 5));
    assert.match(readFileSync(w.path, 'utf8'), /nothing to do/);
    assert.equal(spy.syncs.length, before);
    await w.close('finished');
  } finally {
    await cleanup();
  }
});

test('a rollback command holding a secret is stored masked and marked for rendering again', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'), { secrets: ['s3cr3t-token'] });
    await w.beforeApply({ ...ref('n1', 0, 'a'), command: 'x', verify: false, rollback: { text: 'undo --key hunter22', masked: 'undo --key ******' } });
    await w.beforeApply({ ...ref('n1', 0, 'b'), command: 'x', verify: false, rollback: 'undo --token s3cr3t-token' });
    await w.beforeApply({ ...ref('n1', 0, 'c'), command: 'x', verify: false, rollback: { text: 'undo c', masked: 'undo c' } });
    await w.beforeApply({ ...ref('n1', 0, 'd'), command: 'x', verify: false });
    await w.close('finished');
    const begins = readLines(w.path).filter((l) => l.phase === 'apply');
    assert.deepEqual(begins.map((b) => [b.rollback, b.rollbackNeedsRender]), [
      ['undo --key ******', true],
      ['undo --token ******', true],
      ['undo c', undefined],
      [null, undefined],
    ]);
  } finally {
    await cleanup();
  }
});

test('a secret never appears in any file under the state directory', async () => {
  const { dir, cleanup } = tempDir();
  const secret = 'hunter2-"quoted"\\value';
  try {
    const w = await JournalWriter.open(dir, meta('r1', { argv: ['fleetsweep', 'run', `--token=${secret}`], playbook: { path: `/pb/${secret}.yml`, sha256: 'x' } }), { secrets: [secret] });
    const r = { host: 'n1', play: 0, task: 0, taskName: `clean ${secret}`, item: { name: 'a', password: secret, [secret]: 1 } };
    w.begin(r, 'check', `check ${secret}`);
    w.end(r, 'check', result(0, `out ${secret}`, { stderr: `err ${secret}` }), { text: `check ${secret}`, masked: 'check ******' });
    w.end(r, 'snapshot', result(0, `snap ${secret}`));
    await w.beforeApply({ ...r, command: { text: `apply ${secret}`, masked: 'apply ******' }, snapshot: result(0, `snap ${secret}`), verify: false, rollback: `undo ${secret}` });
    w.end(r, 'apply', result(0, secret.repeat(3)));
    w.note(`note ${secret}`, { host: 'n1', detail: secret });
    w.taskEnd({ host: 'n1', play: 0, task: 0, name: `clean ${secret}`, loc: { file: 'x', line: 1, col: 1 }, outcome: 'changed', reason: `because ${secret}`, startedAt: '', durationMs: 1 });
    await w.close('finished');
    const files = allFiles(dir);
    assert.ok(files.length >= 2);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.ok(!text.includes('hunter2'), `${f} holds the secret`);
      assert.ok(!text.includes(JSON.stringify(secret).slice(1, -1)), `${f} holds the escaped secret`);
    }
    assert.match(readFileSync(w.path, 'utf8'), /\*{6}/);
  } finally {
    await cleanup();
  }
});

test('long output is capped per stream and marked truncated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'));
    w.end(ref('n1', 0), 'check', result(0, 'x'.repeat(200_000), { stderr: 'y'.repeat(10) }));
    await w.close('finished');
    const end = readLines(w.path).find((l) => l.phase === 'check')!;
    assert.equal((end.stdout as string).length, 64 * 1024);
    assert.equal(end.stderr, 'y'.repeat(10));
    assert.equal(end.truncated, true);
  } finally {
    await cleanup();
  }
});

test('close writes run-end with counts and a summary, and a second close changes nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1', { hosts: ['n1', 'n2', 'n3'] }));
    const base = { play: 0, task: 0, name: 't', loc: { file: 'x', line: 1, col: 1 }, startedAt: '', durationMs: 1 };
    w.taskEnd({ ...base, host: 'n1', outcome: 'changed' });
    w.taskEnd({ ...base, host: 'n2', outcome: 'failed' });
    w.taskEnd({ ...base, host: 'n3', outcome: 'hung' });
    const s = await w.close('interrupted');
    assert.equal(await w.close('finished'), s);
    const end = readLines(w.path).at(-1)!;
    assert.equal(end.type, 'run-end');
    assert.equal(end.state, 'interrupted');
    assert.deepEqual(end.counts, { hosts: 3, outcomes: { ok: 0, changed: 1, 'would-change': 0, skipped: 0, failed: 1, hung: 1, unreachable: 0 } });
    const summary = JSON.parse(readFileSync(join(dir, 'runs', 'r1', 'summary.json'), 'utf8'));
    assert.deepEqual([summary.state, summary.hosts, summary.changed, summary.failed], ['interrupted', 3, 1, 2]);
    assert.throws(() => w.note('late'), { code: 'journal.closed' });
  } finally {
    await cleanup();
  }
});

test('when the journal cannot be written then beforeApply rejects with state.journalWrite and keeps rejecting', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // append 1 is run-start at open; the next one fails as on a full disk
    const spy = spyFs({ append: 'ENOSPC', after: 1 });
    const w = await JournalWriter.open(dir, meta('r1'), { fs: spy.fs, lazyWriteMs: 0 });
    const err = await w.beforeApply({ ...ref('n1', 0), command: 'x', verify: false }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof StateError);
    assert.equal(err.code, 'state.journalWrite');
    assert.equal(err.exitCode, ExitCode.STATE);
    await assert.rejects(w.beforeApply({ ...ref('n2', 0), command: 'x', verify: false }), { code: 'state.journalWrite' });
    await assert.rejects(w.close('failed'), { code: 'state.journalWrite' });
    assert.equal(readJournal(w.path).records.length, 1);
  } finally {
    await cleanup();
  }
});

test('when fsync fails then beforeApply rejects with state.journalWrite', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const spy = spyFs({ sync: 'EIO', after: 1 });
    const w = await JournalWriter.open(dir, meta('r1'), { fs: spy.fs });
    await assert.rejects(w.beforeApply({ ...ref('n1', 0), command: 'x', verify: false }), (e: unknown) => e instanceof StateError && e.code === 'state.journalWrite');
    await assert.rejects(w.flush(), { code: 'state.journalWrite' });
    await assert.rejects(w.close('failed'));
  } finally {
    await cleanup();
  }
});

// Root ignores file modes, so a read-only or full filesystem is simulated: by an injected EROFS, and by a
// regular file where the runs directory should be.
test('when the state directory is read-only then open fails with a StateError', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(JournalWriter.open(dir, meta('r1'), { fs: spyFs({ create: 'EROFS' }).fs }), (e: unknown) => e instanceof StateError && e.code === 'state.journalOpen' && e.exitCode === ExitCode.STATE);
  } finally {
    await cleanup();
  }
});

test('when the runs path is a file then open fails with a StateError', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'runs'), 'not a directory');
    await assert.rejects(JournalWriter.open(dir, meta('r1')), { code: 'state.journalOpen' });
    await assert.rejects(JournalWriter.open(join(dir, 'runs'), meta('r1')), { code: 'state.journalOpen' });
  } finally {
    await cleanup();
  }
});

test('a run id that exists already or is not a safe file name is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'));
    await w.close('finished');
    await assert.rejects(JournalWriter.open(dir, meta('r1')), { code: 'state.runExists' });
    await assert.rejects(JournalWriter.open(dir, meta('../evil')), { code: 'state.badRunId' });
    assert.equal(existsSync(join(dir, 'evil')), false);
  } finally {
    await cleanup();
  }
});

test('when the first fsync fails then open fails with state.journalOpen', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(JournalWriter.open(dir, meta('r1'), { fs: spyFs({ sync: 'EIO' }).fs }), { code: 'state.journalOpen' });
  } finally {
    await cleanup();
  }
});
