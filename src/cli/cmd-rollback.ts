// `fleetsweep rollback RUN`: undo what a run applied, newest first, each step checked, journaled and verified.
import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { childRuns, journalPath, readJournal, resolveRunId, resolveStateDir, rollbackPlan } from '../journal/index.js';
import { ExitCode } from '../errors/index.js';
import { connect } from '../transport/index.js';
import { runRollback, type RollbackResult } from '../runner/rollback.js';
import { colorsFor } from '../report/colors.js';
import { compressHosts } from '../report/host-ranges.js';
import { collect, durationMs, positiveInt } from './options.js';
import { loadInventoryArg } from './load.js';
import { openJournal } from './journal-setup.js';
import { newRunId } from './run-id.js';

interface Flags {
  inventory?: string[]; host?: string; task?: string; check?: boolean; stateDir?: string; forks: number;
  timeout: number; connectTimeout: number; acceptNewHostKeys?: boolean; json?: string;
}

const GOOD = new Set(['restored', 'already-restored', 'would-restore']);

export function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('undo the changes a run applied (newest first); journaled as a run of its own')
    .argument('<run>', 'run id (a unique prefix is enough)')
    .option('-i, --inventory <path>', 'inventory (default: the one the run used)', collect)
    .option('--host <name>', 'only this host')
    .option('--task <name>', 'only this task')
    .option('-C, --check', 'show what would be rolled back; change nothing')
    .option('--state-dir <dir>', 'state directory (env FLEETSWEEP_STATE_DIR)')
    .option('-f, --forks <n>', 'hosts at once', positiveInt('--forks'), 50)
    .addOption(new Option('--timeout <duration>', 'deadline of one remote command').argParser(durationMs('--timeout')).default(60_000, '1m'))
    .addOption(new Option('--connect-timeout <duration>', 'deadline to connect').argParser(durationMs('--connect-timeout')).default(10_000, '10s'))
    .option('--accept-new-host-keys', 'trust unknown host keys on first use')
    .action(async (id: string, flags: Flags) => {
      process.exitCode = await rollbackCommand(id, flags);
    });
}

async function rollbackCommand(idArg: string, flags: Flags): Promise<number> {
  const dir = resolveStateDir(flags.stateDir);
  const id = resolveRunId(dir, idArg);
  const parent = readJournal(journalPath(dir, id));
  const prior = childRuns(dir, id, 'rollback').map((r) => readJournal(journalPath(dir, r.id)).records);
  const plan = rollbackPlan(parent.records, { host: flags.host, task: flags.task, priorRollbacks: prior });
  const out = process.stdout;
  const c = colorsFor(out);
  if (plan.todo.length === 0) {
    out.write(`run ${id}: nothing to roll back${plan.steps.length ? ` (${plan.steps.length} step(s) already rolled back)` : ''}\n`);
    return ExitCode.OK;
  }
  const inventory = loadInventoryArg(flags.inventory?.length ? flags.inventory.map((p) => resolve(p)) : parent.meta.inventories);
  const runId = newRunId();
  const journal = await openJournal({
    stateDir: flags.stateDir, runId, kind: 'rollback', parentRunId: id, playbook: { file: parent.meta.playbook.path, sha256: parent.meta.playbook.sha256 },
    inventories: parent.meta.inventories, check: Boolean(flags.check), cwd: process.cwd(), options: { run: id, host: flags.host, task: flags.task }, secrets: [],
  });
  let results: RollbackResult[] = [];
  try {
    results = await runRollback({
      steps: plan.todo, inventory, check: Boolean(flags.check), forks: flags.forks, timeoutMs: flags.timeout,
      connectTimeoutMs: flags.connectTimeout, acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), journal, connect,
      sink: { emit: () => undefined },
    });
  } finally {
    await journal.close(results.every((r) => GOOD.has(r.outcome)) ? 'finished' : 'failed');
  }
  for (const r of results) {
    const item = r.step.item === undefined ? '' : ` ${JSON.stringify(r.step.item)}`;
    const tag = GOOD.has(r.outcome) ? c.green(r.outcome) : c.red(r.outcome);
    out.write(`${r.step.host} | ${r.step.taskName}${item} | ${tag} | ${r.reason}\n`);
  }
  const bad = results.filter((r) => !GOOD.has(r.outcome));
  out.write(c.bold(`ROLLBACK ${flags.check ? '(check mode) ' : ''}run ${runId} of ${id}: ${results.length - bad.length} of ${results.length} step(s) ${flags.check ? 'can be rolled back' : 'restored'}`) + '\n');
  if (bad.length) out.write(c.red(`  not restored on ${compressHosts([...new Set(bad.map((r) => r.step.host))])}: see above`) + '\n');
  return bad.length ? ExitCode.ROLLBACK_INCOMPLETE : ExitCode.OK;
}
