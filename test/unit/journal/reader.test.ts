import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalWriter } from '../../../src/journal/writer.js';
import { listRuns, readJournal, resolveRunId, showRun } from '../../../src/journal/reader.js';
import { ExitCode } from '../../../src/errors/exit-codes.js';
import type { RunMeta, StepStatus } from '../../../src/journal/types.js';
import { deadPid, meta, ref, step, tempDir } from './helpers.js';

const taskBase = { play: 0, loc: { file: 'x', line: 1, col: 1 }, startedAt: '', durationMs: 1 };

async function finishedRun(dir: string, id: string, at: string, m: Partial<RunMeta> = {}): Promise<JournalWriter> {
  const w = await JournalWriter.open(dir, meta(id, m), { now: () => new Date(at) });
  await step(w, ref('n1', 0, 'a'), { check: 0, snapshot: 's', apply: 0, verify: 0, rollback: 'undo a' });
  w.taskEnd({ ...taskBase, host: 'n1', task: 0, name: 'task 0', outcome: 'changed' });
  await step(w, ref('n2', 0, 'a'), { check: 0, snapshot: 's', apply: 3, verify: 0, rollback: 'undo a' });
  w.taskEnd({ ...taskBase, host: 'n2', task: 0, name: 'task 0', outcome: 'failed' });
  await w.close('finished');
  return w;
}

test('a torn last line is dropped and reported, the records before it kept', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await finishedRun(dir, 'r1', '2026-11-23T10:00:00Z');
    const whole = readJournal(w.path);
    assert.equal(whole.torn, false);
    appendFileSync(w.path, '{"seq":99,"t":"2026-11-23T10:00:01Z","type":"step","host":"n');
    const cut = readJournal(w.path);
    assert.equal(cut.torn, true);
    assert.deepEqual(cut.records, whole.records);
    assert.equal(cut.meta.runId, 'r1');
  } finally {
    await cleanup();
  }
});

test('zeros after the last record (a power loss) read as a torn end, garbage before good records as corruption', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await finishedRun(dir, 'r1', '2026-11-23T10:00:00Z');
    const text = readFileSync(w.path, 'utf8');
    writeFileSync(w.path, text + '\0'.repeat(40) + '\n');
    assert.equal(readJournal(w.path).torn, true);
    const lines = text.split('\n');
    lines.splice(2, 0, 'garbage');
    writeFileSync(w.path, lines.join('\n'));
    assert.throws(() => readJournal(w.path), { code: 'state.journalCorrupt' });
  } finally {
    await cleanup();
  }
});

test('a run without run-end is running while its pid lives here, and crashed otherwise', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const live = await JournalWriter.open(dir, meta('live'));
    await step(live, ref('n1', 0), { check: 0, apply: 'crash' });
    await live.flush();
    const dead = await JournalWriter.open(dir, meta('dead', { pid: deadPid() }));
    await step(dead, ref('n1', 0), { check: 0, apply: 'crash' });
    await dead.flush();
    const elsewhere = await JournalWriter.open(dir, meta('elsewhere', { hostname: 'another-controller' }));
    await elsewhere.flush();
    const states = Object.fromEntries(listRuns(dir).map((s) => [s.id, s.state]));
    assert.deepEqual(states, { live: 'running', dead: 'crashed', elsewhere: 'crashed' });
    // the crashed run's in-flight apply counts as hung
    assert.equal(listRuns(dir).find((s) => s.id === 'dead')!.outcomes.hung, 1);
    for (const w of [live, dead, elsewhere]) await w.close('failed');
  } finally {
    await cleanup();
  }
});

test('runs are listed newest first with host, changed and failed counts, with or without summary.json', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await finishedRun(dir, '20261123T100000Z-aaaaaa', '2026-11-23T10:00:00Z');
    await finishedRun(dir, '20261123T120000Z-cccccc', '2026-11-23T12:00:00Z', { kind: 'resume', parentRunId: '20261123T100000Z-aaaaaa' });
    await finishedRun(dir, '20261123T110000Z-bbbbbb', '2026-11-23T11:00:00Z');
    const runs = listRuns(dir);
    assert.deepEqual(runs.map((r) => r.id), ['20261123T120000Z-cccccc', '20261123T110000Z-bbbbbb', '20261123T100000Z-aaaaaa']);
    const first = runs[0]!;
    assert.deepEqual([first.kind, first.parentRunId, first.state, first.hosts, first.changed, first.failed, first.playbook, first.endedAt],
      ['resume', '20261123T100000Z-aaaaaa', 'finished', 2, 1, 1, 'playbooks/clean.yml', '2026-11-23T12:00:00.000Z']);
    for (const r of runs) rmSync(join(dir, 'runs', r.id, 'summary.json'));
    assert.deepEqual(listRuns(dir), runs);
  } finally {
    await cleanup();
  }
});

test('an empty state directory lists no runs', () => {
  const { dir } = tempDir();
  assert.deepEqual(listRuns(dir), []);
  rmSync(dir, { recursive: true });
});

test('a run id is found from a unique prefix, and an ambiguous or unknown one is a usage error listing candidates', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const id of ['20261123T100000Z-aaaaaa', '20261123T100000Z-abbbbb', '20261124T090000Z-cccccc']) await (await JournalWriter.open(dir, meta(id))).close('finished');
    assert.equal(resolveRunId(dir, '20261124'), '20261124T090000Z-cccccc');
    assert.equal(resolveRunId(dir, '20261123T100000Z-aa'), '20261123T100000Z-aaaaaa');
    assert.throws(() => resolveRunId(dir, '20261123T1'), (e: unknown) =>
      (e as { code: string }).code === 'state.ambiguousRun' && (e as { exitCode: number }).exitCode === ExitCode.USAGE &&
      /aaaaaa/.test((e as Error).message) && /abbbbb/.test((e as Error).message));
    assert.throws(() => resolveRunId(dir, '2025'), (e: unknown) => (e as { code: string }).code === 'state.unknownRun' && (e as { exitCode: number }).exitCode === ExitCode.USAGE);
  } finally {
    await cleanup();
  }
});

test('showRun gives each step its status from the journal, rollbacks of later runs included', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const w = await JournalWriter.open(dir, meta('r1'));
    await step(w, ref('n1', 0, 'verified'), { check: 0, snapshot: 's', apply: 0, verify: 0, rollback: 'undo' });
    await step(w, ref('n1', 0, 'noverify'), { check: 0, apply: 0, rollback: 'undo' });
    await step(w, ref('n1', 0, 'verifyfailed'), { check: 0, apply: 0, verify: 1, rollback: 'undo' });
    await step(w, ref('n1', 0, 'verifycrash'), { check: 0, apply: 0, verify: 'crash', rollback: 'undo' });
    await step(w, ref('n1', 0, 'hung'), { check: 0, apply: 'hang', rollback: 'undo' });
    await step(w, ref('n1', 0, 'applyfailed'), { check: 0, apply: 2, rollback: 'undo' });
    await step(w, ref('n1', 0, 'ok'), { check: 1 });
    await step(w, ref('n1', 0, 'checkerror'), { check: 7 });
    await step(w, ref('n1', 0, 'incomplete'), { check: 0, snapshot: 's' });
    await step(w, ref('n2', 1, 'rolledback'), { check: 0, apply: 0, verify: 0, rollback: 'undo' });
    await step(w, ref('n2', 1, 'crashed'), { check: 0, snapshot: 's', apply: 'crash', rollback: 'undo' });
    await w.close('interrupted');
    const rb = await JournalWriter.open(dir, meta('rb1', { kind: 'rollback', parentRunId: 'r1' }));
    const target = ref('n2', 1, 'rolledback');
    await rb.beforeRollback({ ...target, command: 'undo' });
    rb.end(target, 'rollback', { rc: 0, stdout: '', stderr: '', durationMs: 1, timedOut: false, truncated: false });
    await rb.close('finished');
    const check = await JournalWriter.open(dir, meta('c1', { check: true }));
    await step(check, ref('n1', 0, 'wouldchange'), { check: 0 });
    await check.close('finished');

    const view = showRun(dir, 'r1');
    assert.deepEqual(view.rollbackRuns, ['rb1']);
    const statuses = (v: typeof view) => Object.fromEntries(v.hosts.flatMap((h) => h.tasks.flatMap((t) => t.steps.map((s) => [JSON.parse(s.itemKey) as string, s.status]))));
    assert.deepEqual(statuses(view), {
      verified: 'verified', noverify: 'verified', verifyfailed: 'applied-unverified', verifycrash: 'applied-unverified',
      hung: 'possibly-applied', applyfailed: 'failed', ok: 'ok', checkerror: 'failed', incomplete: 'incomplete',
      rolledback: 'rolled-back', crashed: 'possibly-applied',
    } satisfies Record<string, StepStatus>);
    const crashed = view.hosts[1]!.tasks[0]!.steps[1]!;
    assert.equal(crashed.phases.apply!.begin!.snapshot!.stdout, 's');
    assert.equal(crashed.phases.apply!.end, undefined);
    assert.deepEqual(statuses(showRun(dir, 'c1')), { wouldchange: 'would-change' });
    assert.deepEqual(showRun(dir, 'r1', { host: 'n2' }).hosts.map((h) => h.host), ['n2']);
  } finally {
    await cleanup();
  }
});
