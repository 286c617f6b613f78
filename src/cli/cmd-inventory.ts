// `fleetsweep inventory list`: hosts, groups, and each host's resolved variables with where each value came from.
import type { Command } from 'commander';
import type { Inventory, VarOrigin } from '../model/inventory.js';
import { formatLocation } from '../model/source.js';
import { UsageError } from '../errors/index.js';
import { didYouMean } from '../errors/diagnostic.js';
import { selectHosts } from '../config/patterns.js';
import { compressHosts } from '../report/host-ranges.js';
import { collect } from './options.js';
import { loadInventoryArg } from './load.js';
import { applyShard, shardOption, type Shard } from './shard.js';

interface Flags { inventory?: string[]; host?: string; limit?: string; shard?: Shard; json?: boolean }

export function registerInventory(program: Command): void {
  const inv = program.command('inventory').description('inspect inventories');
  inv
    .command('list')
    .description('list hosts, groups and resolved variables (with their origin)')
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable)', collect)
    .option('--host <name>', 'show one host')
    .option('-l, --limit <pattern>', 'only hosts matching the pattern')
    .option('--shard <k/n>', 'only the K-th of N stable shards of the hosts (as sweep --shard)', shardOption)
    .option('--json', 'print JSON')
    .action((flags: Flags) => {
      const inventory = loadInventoryArg(flags.inventory);
      let hosts = [...inventory.hosts.keys()];
      if (flags.limit) hosts = selectHosts(inventory, flags.limit, { cwd: process.cwd() }).hosts;
      hosts = applyShard(hosts, flags.shard);
      if (flags.host) {
        if (!inventory.hosts.has(flags.host)) {
          const hint = didYouMean(flags.host, inventory.hosts.keys());
          throw new UsageError('usage.unknownHost', `no host "${flags.host}" in the inventory${hint ? ` (did you mean "${hint}"?)` : ''}`);
        }
        hosts = [flags.host];
      }
      process.stdout.write(flags.json ? JSON.stringify(toJson(inventory, hosts), null, 2) + '\n' : toText(inventory, hosts, Boolean(flags.host)));
    });
}

function origin(o: VarOrigin | undefined): string {
  if (!o) return 'unknown';
  const where = o.scope === 'group' ? `group ${o.name}` : o.scope === 'host' ? 'host' : o.scope;
  return o.loc ? `${where} (${formatLocation(o.loc)})` : where;
}

function toJson(inv: Inventory, hosts: string[]) {
  return {
    hosts: Object.fromEntries(hosts.map((name) => {
      const h = inv.hosts.get(name)!;
      return [name, { groups: h.groups, vars: Object.fromEntries(Object.entries(h.vars).map(([k, v]) => [k, { value: v, from: origin(h.origins[k]) }])) }];
    })),
    groups: Object.fromEntries([...inv.groups.values()].map((g) => [g.name, { hosts: g.hosts, children: g.children, vars: g.vars }])),
  };
}

function toText(inv: Inventory, hosts: string[], detail: boolean): string {
  const lines: string[] = [];
  const wanted = new Set(hosts);
  if (!detail) {
    lines.push(`${hosts.length} host(s), ${inv.groups.size} group(s)`);
    for (const g of inv.groups.values()) {
      const members = [...inv.hosts.values()].filter((h) => wanted.has(h.name) && h.groups.includes(g.name)).map((h) => h.name);
      lines.push(`  @${g.name}${g.children.length ? ` (children: ${g.children.join(', ')})` : ''}: ${members.length} ${compressHosts(members)}`);
    }
  }
  for (const name of hosts) {
    const h = inv.hosts.get(name)!;
    lines.push(`${name}  groups: ${h.groups.join(', ')}`);
    for (const [k, v] of Object.entries(h.vars)) lines.push(`    ${k} = ${JSON.stringify(v)}    # ${origin(h.origins[k])}`);
  }
  return lines.join('\n') + '\n';
}
