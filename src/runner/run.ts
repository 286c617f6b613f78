// Runs a playbook over the inventory: plays in order, hosts in parallel up to --forks, tasks in order per host.
import pLimit, { type LimitFunction } from 'p-limit';
import type { Play, Task } from '../model/playbook.js';
import type { HostSummary, Outcome, TaskResult } from '../model/outcome.js';
import { OUTCOMES, worse } from '../model/outcome.js';
import { renderString } from '../template/index.js';
import { selectHosts, shardHosts } from '../config/patterns.js';
import { HostState } from './host-state.js';
import type { RunScope } from './context.js';
import { failTask, runTask, type TaskEnv } from './task-exec.js';
import { FleetError } from '../errors/fleet-error.js';
import { connectTarget } from './targets.js';
import { serialBatches } from './batches.js';
import { tagSelected } from './tags.js';
import type { RunOptions, RunResult } from './types.js';

export async function runPlaybook(opts: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString();
  const scope: RunScope = { runId: opts.runId, check: opts.check, inventory: opts.inventory, states: new Map(), extraVars: opts.extraVars, changes: { run: 0, perPlay: new Map() } };
  const env: TaskEnv = {
    opts, scope,
    target: (s) => connectTarget(s.host, { acceptNewHostKeys: opts.acceptNewHostKeys, connectTimeoutMs: opts.connectTimeoutMs, sshConfigFile: opts.sshConfigFile }),
  };
  const forks = pLimit(Math.max(1, opts.forks));
  const results: TaskResult[] = [];
  const touched = new Set<string>();
  let aborted: string | undefined;

  const limited = hostFilter(opts);
  opts.sink.emit({ type: 'run-start', runId: opts.runId, playbook: opts.playbook.file, hosts: [...opts.inventory.hosts.keys()].filter((h) => !limited || limited.has(h)), check: opts.check, at: startedAt });

  try {
    for (const [playIdx, play] of opts.playbook.plays.entries()) {
      if (opts.interrupt.aborted || aborted) break;
      const hosts = playHosts(opts, scope, play, limited);
      hosts.forEach((h) => touched.add(h));
      opts.sink.emit({ type: 'play-start', play: playIdx, name: play.name, hosts });
      const tasks = play.tasks.map((t, i) => [t, i] as const).filter(([t]) => tagSelected([...t.tags, ...play.tags], opts.tags, opts.skipTags));
      const keyed = keyedLimiter(play, scope);
      const run1 = (state: HostState, task: Task, taskIdx: number, all: string[]) =>
        keyed(state, () => forks(async () => {
          if (opts.interrupt.aborted || state.out) return;
          results.push(await runTask(env, state, play, playIdx, task, taskIdx, all));
        })).catch((err: unknown) => {
          if (!(err instanceof FleetError)) throw err;
          results.push(failTask(env, state, play, playIdx, task, taskIdx, `concurrency key: ${err.message}`));
        });

      for (const [bi, batch] of serialBatches(hosts, play.serial, play.canary).entries()) {
        const states = batch.map((h) => scope.states.get(h)!);
        if (play.strategy === 'free') {
          await Promise.all(states.map(async (s) => {
            for (const [task, ti] of tasks) {
              if (opts.interrupt.aborted || s.out || aborted) break;
              await run1(s, task, ti, hosts);
              aborted ??= failLimit(play, hosts, scope);
            }
          }));
        } else {
          for (const [task, ti] of tasks) {
            if (opts.interrupt.aborted || aborted) break;
            await Promise.all(states.filter((s) => !s.out).map((s) => run1(s, task, ti, hosts)));
            aborted ??= failLimit(play, hosts, scope);
          }
        }
        if (play.canary && bi === 0) {
          const bad = states.filter((s) => s.out);
          if (bad.length) aborted ??= `canary failed on ${bad.map((s) => s.name).join(', ')}: the other ${hosts.length - batch.length} host(s) were not started`;
        }
        if (opts.interrupt.aborted || aborted) break;
      }
    }
  } finally {
    await Promise.all([...scope.states.values()].map((s) => s.close()));
  }

  const interrupted = opts.interrupt.aborted;
  const endedAt = new Date().toISOString();
  opts.sink.emit({ type: 'run-end', at: endedAt, interrupted });
  return { runId: opts.runId, startedAt, endedAt, interrupted, aborted, stateError: scope.stateError, limitReached: scope.limitReached, results, hosts: summarize([...touched], scope, results, aborted ?? (interrupted ? 'interrupted' : undefined)) };
}

/** --limit and --shard together: the hosts a run may touch, or undefined for all. */
function hostFilter(opts: RunOptions): Set<string> | undefined {
  if (!opts.limit && !opts.shard) return undefined;
  let hosts = opts.limit ? selectHosts(opts.inventory, opts.limit, { cwd: opts.cwd }).hosts : [...opts.inventory.hosts.keys()];
  if (opts.shard) hosts = shardHosts(hosts, opts.shard.k, opts.shard.n);
  return new Set(hosts);
}

/** The play's hosts: its pattern (templated patterns see extra and play vars), ∩ --limit, minus hosts already out. */
function playHosts(opts: RunOptions, scope: RunScope, play: Play, limited?: Set<string>): string[] {
  const pattern = play.hosts.text.includes('{{')
    ? renderString(play.hosts, { ...play.vars, ...opts.extraVars, groups: Object.fromEntries([...scope.inventory.groups.keys()].map((g) => [g, selectHosts(scope.inventory, g).hosts])) })
    : play.hosts.text;
  const hosts = selectHosts(scope.inventory, pattern, { cwd: opts.cwd }).hosts.filter((h) => !limited || limited.has(h) || !opts.inventory.hosts.has(h));
  for (const h of hosts) if (!scope.states.has(h)) scope.states.set(h, new HostState(scope.inventory.hosts.get(h)!));
  return hosts.filter((h) => !scope.states.get(h)!.out);
}

/** max_fail_percentage, counted over all of the play's hosts (not per batch). */
function failLimit(play: Play, hosts: string[], scope: RunScope): string | undefined {
  if (play.maxFailPercentage === undefined || hosts.length === 0) return undefined;
  const failed = hosts.filter((h) => scope.states.get(h)?.out).length;
  const pct = (failed / hosts.length) * 100;
  return pct > play.maxFailPercentage
    ? `max_fail_percentage ${play.maxFailPercentage}% exceeded in play "${play.name}": ${failed} of ${hosts.length} hosts failed (${pct.toFixed(1)}%)`
    : undefined;
}

/** Keyed concurrency: at most `limit` hosts at once per value of the play's key (e.g. a storage array). */
function keyedLimiter(play: Play, scope: RunScope): (s: HostState, fn: () => Promise<void>) => Promise<void> {
  if (!play.concurrency) return (_s, fn) => fn();
  const { key, limit } = play.concurrency;
  const limiters = new Map<string, LimitFunction>();
  return async (s, fn) => {
    const k = renderString(key, { ...s.host.vars, ...play.vars, ...s.facts, ...scope.extraVars, inventory_hostname: s.name });
    let l = limiters.get(k);
    if (!l) limiters.set(k, (l = pLimit(limit)));
    return l(fn);
  };
}

function summarize(hosts: string[], scope: RunScope, results: TaskResult[], stopped: string | undefined): HostSummary[] {
  const by = new Map<string, HostSummary>();
  for (const h of hosts) {
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    by.set(h, { host: h, outcome: 'skipped', counts });
  }
  for (const r of results) {
    const s = by.get(r.host);
    if (!s) continue;
    const o: Outcome = r.ignored ? 'ok' : r.outcome;
    s.counts[r.outcome]++;
    s.outcome = worse(s.outcome, o);
  }
  for (const s of by.values()) {
    const st = scope.states.get(s.host);
    if (st?.out) {
      s.outcome = worse(s.outcome, st.out.outcome);
      s.reason = st.out.reason;
    } else if (Object.values(s.counts).every((c) => c === 0)) {
      s.reason = stopped ? `not started: ${stopped}` : 'no task ran on this host';
    }
  }
  return [...by.values()];
}
