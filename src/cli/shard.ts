// --shard K/N: keep the K-th of N stable shards of the hosts (a host's shard depends only on its name and N).
import { UsageError } from '../errors/index.js';
import { shardHosts } from '../config/patterns.js';

export interface Shard {
  /** 1-based */
  k: number;
  n: number;
}

/** "2/4" → {k: 2, n: 4}; anything else (0/4, 5/4, 1/0, 2-4, "") is a usage error naming the flag. */
export function parseShard(spec: string, flag = '--shard'): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(spec);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new UsageError('usage.badShard', `${flag} takes K/N with 1 ≤ K ≤ N (e.g. 2/4), got "${spec}"`);
  return { k, n };
}

/** The hosts of the shard, in their given order; all of them without a shard. */
export function applyShard(hosts: string[], shard: Shard | undefined): string[] {
  return shard ? shardHosts(hosts, shard.k, shard.n) : hosts;
}

export function formatShard(shard: Shard | undefined): string | null {
  return shard ? `${shard.k}/${shard.n}` : null;
}

/** commander option parser */
export function shardOption(v: string): Shard {
  return parseShard(v);
}
