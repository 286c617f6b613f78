// Builds the variables a template sees on one host, with Ansible's precedence and magic variables.
import type { Inventory, Vars } from '../model/inventory.js';
import type { Play, Task } from '../model/playbook.js';
import type { HostState } from './host-state.js';
import { withConfig, withData } from '../template/index.js';

export interface RunScope {
  runId: string;
  check: boolean;
  inventory: Inventory;
  states: Map<string, HostState>;
  extraVars: Vars;
  /** set once the journal could not be written: no apply may run after that */
  stateError?: string;
  /** destructive steps started, for max_changes */
  changes: { run: number; perPlay: Map<number, number> };
  /** set when a max_changes budget stopped a destructive step */
  limitReached?: string;
}

/**
 * Precedence, lowest first (Ansible's order, trimmed to what fleetsweep has):
 * inventory (group < host) < play vars < registered/set_fact < task vars < extra vars.
 */
export function hostVars(scope: RunScope, state: HostState, play: Play, playHosts: string[], task?: Task): Vars {
  const host = state.host;
  const config = withConfig(withData({ ...host.vars, ...play.vars }, state.facts), { ...(task?.vars ?? {}), ...scope.extraVars });
  return withData(config, {
    inventory_hostname: host.name,
    inventory_hostname_short: host.name.split('.')[0],
    group_names: host.groups.filter((g) => g !== 'all' && g !== 'ungrouped'),
    groups: groupsView(scope.inventory),
    hostvars: hostvarsView(scope),
    play_hosts: playHosts,
    ansible_play_hosts: playHosts,
    ansible_check_mode: scope.check,
    fleetsweep_check_mode: scope.check,
    fleetsweep_run_id: scope.runId,
  });
}

/** `groups['name']` → host names, computed on access so group_by/add_host results show up at once. */
function groupsView(inv: Inventory): Record<string, string[]> {
  return new Proxy({} as Record<string, string[]>, {
    get(_t, key) {
      if (typeof key !== 'string') return undefined;
      if (key === 'all') return [...inv.hosts.keys()];
      if (!inv.groups.has(key)) return undefined;
      return [...inv.hosts.values()].filter((h) => h.groups.includes(key)).map((h) => h.name);
    },
    has: (_t, key) => typeof key === 'string' && (key === 'all' || inv.groups.has(key)),
    ownKeys: () => ['all', ...[...inv.groups.keys()].filter((g) => g !== 'all')],
    getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
  });
}

/** `hostvars['node1'].x`: another host's inventory vars and registered results. */
function hostvarsView(scope: RunScope): Record<string, Vars> {
  return new Proxy({} as Record<string, Vars>, {
    get(_t, key) {
      if (typeof key !== 'string') return undefined;
      const st = scope.states.get(key);
      const h = st?.host ?? scope.inventory.hosts.get(key);
      if (!h) return undefined;
      return { ...h.vars, ...(st?.facts ?? {}), inventory_hostname: h.name };
    },
    has: (_t, key) => typeof key === 'string' && scope.inventory.hosts.has(key),
    ownKeys: () => [...scope.inventory.hosts.keys()],
    getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
  });
}
