// `fleetsweep sweep [PLAYBOOK...]`: the scheduled and post-outage use: detect (and in fix mode clean) residue
// across the inventory, with a lock, a log, reports and exit codes monitoring can use. Also registers `history`.
import type { Command } from 'commander';
import { collect, collectCsv, durationMs, positiveInt } from './options.js';
import { shardOption } from './shard.js';
import { collectReports, parseMode, parseWebhookUrl, parseWebhookWhen } from './sweep-options.js';
import { sweepCommand, type SweepFlags } from './sweep-run.js';
import { registerHistory } from './cmd-history.js';

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('scan the inventory for residue (report mode), or clean it (fix mode), under a lock; reports, history, exit codes for monitoring')
    .argument('[playbooks...]', 'residue playbooks (default: the storage playbooks fleetsweep ships)')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory (repeatable)', collect)
    .option('--mode <mode>', 'report: check mode only; fix: apply the cleanups within every playbook limit', parseMode, 'report')
    .option('--report <format=file>', 'write a report: json, junit, prometheus (or prom), html; FILE or - (repeatable)', collectReports, [])
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--shard <k/n>', 'only the K-th of N stable shards of the hosts (for spreading one fleet over several controllers)', shardOption)
    .option('-f, --forks <n>', 'hosts to run at once', positiveInt('--forks'), 50)
    .option('-e, --extra-vars <vars>', 'key=value, JSON/YAML, or @file (repeatable)', collect, [])
    .option('-t, --tags <tags>', 'only tasks with these tags (e.g. kind:multipath-residue)', collectCsv, [])
    .option('--skip-tags <tags>', 'skip tasks with these tags', collectCsv, [])
    .option('--timeout <duration>', 'default deadline of one remote command', durationMs('--timeout'), 60_000)
    .option('--connect-timeout <duration>', 'deadline to connect and authenticate', durationMs('--connect-timeout'), 10_000)
    .option('--accept-new-host-keys', 'trust unknown host keys on first use and record them')
    .option('--state-dir <dir>', 'state directory: journals, sweep baselines, history, lock (env FLEETSWEEP_STATE_DIR)')
    .option('--max-changes <n>', 'fix mode: start at most N destructive steps per playbook run', positiveInt('--max-changes'))
    .option('--lock-ttl <duration>', 'a host lock older than this is stale (fix mode)', durationMs('--lock-ttl'), 2 * 3_600_000)
    .option('--log <file>', 'append the sweep log here (default: <state-dir>/sweeps/<inventory>/sweep.log)')
    .option('--webhook <url>', 'POST the JSON summary here (env FLEETSWEEP_WEBHOOK_AUTHORIZATION sets the Authorization header)', parseWebhookUrl)
    .option('--webhook-on <when>', 'findings (any residue), new (residue the previous sweep did not see), always', parseWebhookWhen, 'findings')
    .option('--webhook-timeout <duration>', 'deadline of one webhook attempt', durationMs('--webhook-timeout'), 10_000)
    .option('--webhook-retries <n>', 'attempts after the first (backoff 1s, 2s, 4s, ...)', (v: string) => nonNegativeInt('--webhook-retries', v), 3)
    .option('--webhook-wait <duration>', 'the longest the sweep waits for the webhook at its end', durationMs('--webhook-wait'), 30_000)
    .option('-v, --verbose', 'show commands and outputs (repeat for more)', (_v: string, n: number) => n + 1, 0)
    .action(async (playbooks: string[], flags: SweepFlags) => {
      process.exitCode = await sweepCommand(playbooks, flags);
    });
  registerHistory(program);
}

function nonNegativeInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) return positiveInt(flag)(v);
  return Number(v);
}
