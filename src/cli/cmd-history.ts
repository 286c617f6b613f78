// `fleetsweep history`: which hosts had which residue over past sweeps, from the state directory alone.
import type { Command } from 'commander';
import { resolveStateDir } from '../journal/index.js';
import { queryHistory, type HistoryQuery } from '../journal/history.js';
import { sweepKey } from '../journal/sweep-state.js';
import { aggregateHistory, renderHistoryText } from '../report/history-view.js';
import { colorsFor } from '../report/colors.js';
import { collect, positiveInt } from './options.js';
import { inventoryArgs } from './load.js';
import { parseSince } from './sweep-options.js';

interface Flags { host?: string; kind?: string; since?: Date; until?: Date; last?: number; inventory?: string[]; stateDir?: string[]; json?: boolean }

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('residue per host and kind over past sweeps (default: the last 7 days)')
    .option('--host <name>', 'only this host, with its sweep-by-sweep timeline')
    .option('--kind <kind>', 'only this residue kind')
    .option('--since <when>', 'sweeps since: 7d, 12h, 30m, 2w or an ISO date', parseSince('--since'))
    .option('--until <when>', 'sweeps until: same forms as --since', parseSince('--until'))
    .option('-n, --last <n>', 'the last N sweeps of each inventory/shard instead of a time window', positiveInt('--last'))
    .option('-i, --inventory <path>', 'only sweeps of this inventory (as given to sweep; repeatable)', collect)
    .option('--state-dir <dir>', 'state directory (env FLEETSWEEP_STATE_DIR); repeat to merge several, e.g. one per shard', collect)
    .option('--json', 'print JSON')
    .action((flags: Flags) => {
      const dirs = [...new Set((flags.stateDir?.length ? flags.stateDir : [undefined]).map((d) => resolveStateDir(d)))];
      const since = flags.since ?? (flags.last === undefined ? parseSince('--since')('7d') : undefined);
      const query: HistoryQuery = {
        ...(since ? { since } : {}), ...(flags.until ? { until: flags.until } : {}), ...(flags.last ? { last: flags.last } : {}),
        ...(flags.host !== undefined ? { host: flags.host } : {}), ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
        ...(flags.inventory?.length ? { inv: sweepKey(inventoryArgs(flags.inventory)).base } : {}),
      };
      // shards with a state directory each (the Kubernetes example) are series of their own: merging is concatenation
      const parts = dirs.map((d) => queryHistory(d, query));
      const sel = { sweeps: parts.flatMap((p) => p.sweeps).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)), rows: parts.flatMap((p) => p.rows), filesRead: parts.reduce((n, p) => n + p.filesRead, 0) };
      const answer = aggregateHistory(sel, flags.host);
      process.stdout.write(flags.json ? JSON.stringify(answer, null, 2) + '\n' : renderHistoryText(answer, colorsFor(process.stdout), { kind: flags.kind, host: flags.host }));
    });
}
