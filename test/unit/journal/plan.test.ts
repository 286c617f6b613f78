import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JournalWriter } from '../../../src/journal/writer.js';
import { readJournal } from '../../../src/journal/reader.js';
import { rollbackPlan, resumeState } from '../../../src/journal/plan.js';
import type { JournalRecord } from '../../../src/journal/types.js';
import type { RollbackStep } from '../../../src/journal/plan.js';
import { meta, ref, result, step, tempDir } from './helpers.js';

/** A run over two hosts: applied, verified, failed, unverified and crashed steps, one without a rollback. */
async function appliedRun(dir: string): Promise<JournalRecord[]> {
  const w = await JournalWriter.open(dir, meta('r1'));
  await step(w, ref('n1', 0, 'a'), { check: 0, snapshot: 'snap a', apply: 0, verify: 0, rollback: 'undo a' });
  await step(w, ref('n2', 0, 'a'), { check: 0, apply: 0, verify: 1, rollback: 'undo n2 a' });
  await step(w, ref('n1', 0, 'b'), { check: 1 });
  await step(w, ref('n1', 0, 'c'), { check: 0, apply: 5, rollback: 'undo c' });
  await step(w, ref('n1', 1, 'x', 'no rollback task'), { check: 0, apply: 0, rollback: null });
  await step(w, ref('n2', 1, 'x', 'no rollback task'), { check: 0, snapshot: 'snap x', apply: 'crash', rollback: null });
  await w.close('interrupted');
  return readJournal(w.path).records;
}

async function rollbackRun(dir: string, id: string, steps: RollbackStep[], rc: (s: RollbackStep) => number | 'crash'): Promise<JournalRecord[]> {
  const w = await JournalWriter.open(dir, meta(id, { kind: 'rollback', parentRunId: 'r1' }));
  for (const s of steps) {
    if (s.missingRollback) continue;
    const r = { host: s.host, play: s.play, task: s.task, taskName: s.taskName, item: s.item };
    await w.beforeRollback({ ...r, command: s.command!, undoes: s.id });
    const code = rc(s);
    if (code !== 'crash') w.end(r, 'rollback', result(code), s.command);
  }
  await w.close('finished');
  return readJournal(w.path).records;
}

test('the rollback plan lists applied steps newest apply first, and leaves out failed and unchanged ones', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const plan = rollbackPlan(await appliedRun(dir));
    assert.deepEqual(plan.steps.map((s) => [s.host, s.task, s.itemKey, s.status]), [
      ['n2', 1, '"x"', 'possibly-applied'],
      ['n1', 1, '"x"', 'verified'],
      ['n2', 0, '"a"', 'applied-unverified'],
      ['n1', 0, '"a"', 'verified'],
    ]);
    const first = plan.steps.at(-1)!;
    assert.deepEqual([first.command, first.missingRollback, first.rollbackNeedsRender, first.item, first.snapshot?.stdout], ['undo a', false, false, 'a', 'snap a']);
    assert.match(first.id, /^r1#\d+$/);
    assert.deepEqual(plan.todo, plan.steps);
  } finally {
    await cleanup();
  }
});

test('a step whose task declares no rollback is in the plan, marked missingRollback', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const plan = rollbackPlan(await appliedRun(dir), { task: 'no rollback task' });
    assert.equal(plan.steps.length, 2);
    for (const s of plan.steps) {
      assert.equal(s.missingRollback, true);
      assert.equal(s.command, undefined);
    }
    assert.equal(plan.todo.length, 2);
  } finally {
    await cleanup();
  }
});

test('the plan can be narrowed to one host', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const plan = rollbackPlan(await appliedRun(dir), { host: 'n1' });
    assert.deepEqual(plan.steps.map((s) => s.itemKey), ['"x"', '"a"']);
  } finally {
    await cleanup();
  }
});

test('rolling back a second time plans nothing already rolled back', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const records = await appliedRun(dir);
    const first = rollbackPlan(records);
    const rb1 = await rollbackRun(dir, 'rb1', first.todo, () => 0);
    const second = rollbackPlan(records, { priorRollbacks: [rb1] });
    assert.deepEqual(second.todo.filter((s) => !s.missingRollback), []);
    assert.ok(second.steps.filter((s) => !s.missingRollback).every((s) => s.alreadyRolledBack && s.priorRollback === 'done'));
    // the ones that cannot be rolled back stay reported
    assert.equal(second.todo.length, 2);
  } finally {
    await cleanup();
  }
});

test('a failed or interrupted earlier rollback leaves the step to roll back, saying what happened', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const records = await appliedRun(dir);
    const first = rollbackPlan(records);
    const rb1 = await rollbackRun(dir, 'rb1', first.todo, (s) => (s.host === 'n1' ? 1 : 'crash'));
    const again = rollbackPlan(records, { priorRollbacks: [rb1] });
    assert.deepEqual(again.todo.map((s) => [s.host, s.itemKey, s.priorRollback]), [
      ['n2', '"x"', 'none'], ['n1', '"x"', 'none'], ['n2', '"a"', 'possibly'], ['n1', '"a"', 'failed'],
    ]);
    const rb2 = await rollbackRun(dir, 'rb2', again.todo, () => 0);
    assert.deepEqual(rollbackPlan(records, { priorRollbacks: [rb1, rb2] }).todo.filter((s) => !s.missingRollback), []);
  } finally {
    await cleanup();
  }
});

test('resume skips only steps whose verify passed and knows how far each host got', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const records = await appliedRun(dir);
    const rs = resumeState(records);
    assert.equal(rs.verified('n1', 0, 0, '"a"'), true);
    assert.equal(rs.verified('n1', 0, 1, '"x"'), true);
    assert.equal(rs.verified('n2', 0, 0, '"a"'), false);
    assert.equal(rs.verified('n2', 0, 1, '"x"'), false);
    assert.equal(rs.verified('n1', 0, 0, '"b"'), false);
    assert.equal(rs.verified('n9', 0, 0, '"a"'), false);
    assert.equal(rs.steps.get(JSON.stringify(['n2', 0, 1, '"x"']))!.status, 'possibly-applied');
    assert.deepEqual(rs.lastReached.get('n2'), { play: 0, task: 1 });
  } finally {
    await cleanup();
  }
});

test('a resume run re-checking a possibly-applied step replaces its status', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const records = await appliedRun(dir);
    const w = await JournalWriter.open(dir, meta('r2', { kind: 'resume', parentRunId: 'r1' }));
    await step(w, ref('n2', 1, 'x', 'no rollback task'), { check: 1 });
    await step(w, ref('n2', 0, 'a'), { check: 0, apply: 0, verify: 0, rollback: 'undo n2 a' });
    w.taskEnd({ host: 'n2', play: 0, task: 1, name: 'no rollback task', loc: { file: 'x', line: 1, col: 1 }, outcome: 'ok', startedAt: '', durationMs: 1 });
    await w.close('finished');
    const chain = [...records, ...readJournal(w.path).records];
    const rs = resumeState(chain);
    assert.equal(rs.steps.get(JSON.stringify(['n2', 0, 1, '"x"']))!.status, 'ok');
    assert.equal(rs.verified('n2', 0, 0, '"a"'), true);
    assert.deepEqual(rs.lastCompleted.get('n2'), { play: 0, task: 1 });
    assert.equal(rs.taskOutcomes.get(JSON.stringify(['n2', 0, 1])), 'ok');
    // rolling back the whole chain undoes the resume's apply too, after the original's
    const plan = rollbackPlan(chain, { host: 'n2' });
    assert.deepEqual(plan.steps.map((s) => [s.runId, s.itemKey]), [['r2', '"a"'], ['r1', '"x"'], ['r1', '"a"']]);
  } finally {
    await cleanup();
  }
});
