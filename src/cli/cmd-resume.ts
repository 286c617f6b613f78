// `fleetsweep resume RUN`: after a crash or Ctrl-C, run the same playbook again; steps already verified are never re-applied.
import type { Command } from 'commander';
import { childRuns, itemKey, journalPath, readJournal, resolveRunId, resolveStateDir, resumeState, runSummary } from '../journal/index.js';
import { ConfigError, UsageError } from '../errors/index.js';
import { loadPlaybook } from '../config/playbook.js';
import { runCommand, type RunFlags } from './cmd-run.js';

interface Flags { stateDir?: string; force?: boolean; verbose: number }

export function registerResume(program: Command): void {
  program
    .command('resume')
    .description('continue an interrupted or crashed run; steps whose verify passed are never applied again')
    .argument('<run>', 'run id (a unique prefix is enough)')
    .option('--state-dir <dir>', 'state directory (env FLEETSWEEP_STATE_DIR)')
    .option('--force', 'resume even though the playbook changed since the run')
    .option('-v, --verbose', 'show commands and outputs', (_v: string, n: number) => n + 1, 0)
    .action(async (id: string, flags: Flags) => {
      process.exitCode = await resumeCommand(id, flags);
    });
}

async function resumeCommand(idArg: string, flags: Flags): Promise<number> {
  const dir = resolveStateDir(flags.stateDir);
  const id = resolveRunId(dir, idArg);
  const summary = runSummary(dir, id);
  if (summary.state === 'running') throw new UsageError('usage.runStillRunning', `run ${id} is still running (pid ${summary.pid} on ${summary.hostname})`);
  const undone = childRuns(dir, id, 'rollback').filter((r) => !r.check);
  if (undone.length) throw new UsageError('usage.rolledBack', `run ${id} was rolled back by ${undone.map((r) => r.id).join(', ')}: start a new run instead of resuming it`);
  const parent = readJournal(journalPath(dir, id));
  const opts = parent.meta.options as { playbook?: string; flags?: RunFlags } | undefined;
  if (!opts?.playbook || !opts.flags) throw new UsageError('usage.notResumable', `run ${id} (${parent.meta.kind}) recorded no options to resume with`);
  const { playbook } = loadPlaybook(opts.playbook);
  if (playbook.sha256 !== parent.meta.playbook.sha256 && !flags.force) {
    throw new ConfigError([{ severity: 'error', code: 'config.playbookChanged', message: `the playbook changed since run ${id} (sha256 ${parent.meta.playbook.sha256.slice(0, 12)} → ${playbook.sha256.slice(0, 12)})`, loc: { file: opts.playbook, line: 1, col: 1 }, hint: 'review the change, then resume with --force, or start a new run' }]);
  }
  // the run and every earlier resume of it, oldest first: a step verified by any of them is done
  const chain = [parent.records, ...childRuns(dir, id, 'resume').reverse().map((r) => readJournal(journalPath(dir, r.id)).records)];
  const state = resumeState(chain.flat());
  if (parent.meta.cwd) process.chdir(parent.meta.cwd);
  return runCommand(opts.playbook, { ...opts.flags, stateDir: dir, verbose: flags.verbose, check: false }, {
    parentRunId: id,
    alreadyVerified: (ref) => (state.verified(ref.host, ref.play, ref.task, itemKey(ref.item)) ? id : undefined),
  });
}
