// Accumulates hosts, groups and variables from every inventory source, then resolves each host's variables
// with Ansible's precedence and remembers where each winning value came from.
import type { Group, Host, Inventory, VarOrigin, Vars } from '../model/inventory.js';
import type { SourceLocation } from '../model/source.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { didYouMean } from '../errors/diagnostic.js';
import type { VarEntry, VarMap } from './inventory-vars.js';

interface GroupRec {
  name: string;
  loc?: SourceLocation;
  /** direct hosts, in the order listed */
  hosts: string[];
  hostSet: Set<string>;
  children: string[];
  parents: string[];
  /** vars written in inventory sources (INI [g:vars], YAML vars:) */
  vars: VarMap;
  /** ansible_group_priority from an inventory source (Ansible ignores it in group_vars/) */
  priority: number;
  /** declared as a group; INI [g:vars] and :children entries only reference one */
  declared: boolean;
}

interface HostRec {
  name: string;
  loc?: SourceLocation;
  groups: string[];
  groupSet: Set<string>;
  vars: VarMap;
}

/** group_vars/ or host_vars/ content of one file; `slot` orders inventory-adjacent before playbook-adjacent. */
export interface FileVars {
  kind: 'group' | 'host';
  name: string;
  slot: 'inventory' | 'playbook';
  /** index of the vars directory, in source order */
  dir: number;
  file: string;
  vars: VarMap;
}

/** A reference an INI file makes to a group that must be declared somewhere. */
interface PendingRef {
  group: string;
  loc: SourceLocation;
  kind: 'vars' | 'child';
  parent?: string;
}

/**
 * Every range is capped (MAX_RANGE_HOSTS); this caps their sum, so a file of many `node[0:99999]` lines cannot
 * eat the machine either (measured: 100,000 hosts load in 3 s and 200 MB; 20 million did not finish in 2 minutes).
 */
export const MAX_INVENTORY_HOSTS = 100_000;

export class InventoryBuilder {
  private readonly groups = new Map<string, GroupRec>();
  private readonly hosts = new Map<string, HostRec>();
  /** MAX_INVENTORY_HOSTS was reached: later hosts are dropped (and reported once) */
  private full = false;
  private readonly fileVars: FileVars[] = [];
  private readonly pending: PendingRef[] = [];

  constructor(private readonly diags: Diagnostic[]) {
    this.group('all').declared = true;
    this.group('ungrouped').declared = true;
    this.addChild('all', 'ungrouped');
  }

  hasGroup(name: string): boolean { return this.groups.has(name); }
  /** MAX_INVENTORY_HOSTS reached: callers stop expanding host ranges (the overflow is already reported) */
  get isFull(): boolean { return this.full; }
  hasHost(name: string): boolean { return this.hosts.has(name); }
  groupNames(): Iterable<string> { return this.groups.keys(); }
  hostNames(): Iterable<string> { return this.hosts.keys(); }

  /** Creates the group when new. `declare` marks it as really defined (not just referenced). */
  group(name: string, loc?: SourceLocation, declare = false): GroupRec {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, loc, hosts: [], hostSet: new Set(), children: [], parents: [], vars: new Map(), priority: 1, declared: false };
      this.groups.set(name, g);
    }
    if (declare) {
      g.declared = true;
      g.loc ??= loc;
    }
    return g;
  }

  addHost(name: string, group: string | undefined, loc: SourceLocation): void {
    let h = this.hosts.get(name);
    if (!h) {
      if (this.hosts.size >= MAX_INVENTORY_HOSTS) {
        if (!this.full) {
          this.full = true;
          this.diags.push({ severity: 'error', code: 'inventory.tooManyHosts', loc, message: `the inventory has more than ${MAX_INVENTORY_HOSTS} hosts; "${name}" and every host after it were not read`, hint: 'split the fleet into several inventories (or use --limit with a smaller one)' });
        }
        return;
      }
      h = { name, loc, groups: [], groupSet: new Set(), vars: new Map() };
      this.hosts.set(name, h);
    }
    if (group === undefined) return;
    const g = this.group(group, loc, true);
    if (!g.hostSet.has(name)) {
      g.hostSet.add(name);
      g.hosts.push(name);
    }
    if (!h.groupSet.has(group)) {
      h.groupSet.add(group);
      h.groups.push(group);
    }
  }

  setGroupVar(group: string, key: string, value: unknown, loc: SourceLocation): void {
    const g = this.group(group);
    if (key === 'ansible_group_priority') {
      // Ansible stores it as the group's priority, not as a variable.
      const n = Number(value);
      if (Number.isInteger(n)) g.priority = n;
      return;
    }
    g.vars.set(key, { value, loc });
  }

  setHostVar(host: string, key: string, value: unknown, loc: SourceLocation): void {
    const h = this.hosts.get(host);
    if (!h && this.full) return; // dropped past MAX_INVENTORY_HOSTS, already reported
    if (!h) throw new Error(`internal: host ${host} not added`);
    h.vars.set(key, { value, loc });
  }

  /** Adds parent -> child unless that closes a loop; the loop is reported where this edge was written. */
  addChild(parent: string, child: string, loc?: SourceLocation): boolean {
    const p = this.group(parent);
    const c = this.group(child);
    if (p.children.includes(child)) return true;
    if (parent === child || this.reaches(child, parent)) {
      const path = parent === child ? [parent, parent] : [...this.pathBetween(child, parent), child];
      this.diags.push({
        severity: 'error', code: 'inventory.cycle', loc: loc ?? { file: '<inventory>', line: 1, col: 1 },
        message: `group "${child}" cannot be a child of "${parent}": that makes a loop ${path.join(' -> ')}`,
      });
      return false;
    }
    p.children.push(child);
    c.parents.push(parent);
    return true;
  }

  /** INI references that need a declaration somewhere ([g:vars], :children entries). */
  requireGroup(ref: PendingRef): void {
    this.pending.push(ref);
  }

  addFileVars(fv: FileVars): void {
    this.fileVars.push(fv);
  }

  /** Reports INI references to groups that no source declared (Ansible refuses them too). */
  checkPending(): void {
    const reported = new Set<string>();
    for (const ref of this.pending) {
      const g = this.groups.get(ref.group);
      // one error per undefined group, at its first reference, as Ansible reports it
      if (g?.declared || reported.has(ref.group)) continue;
      reported.add(ref.group);
      const declared = [...this.groups.values()].filter((x) => x.declared).map((x) => x.name);
      const guess = didYouMean(ref.group, declared);
      const isHost = this.hosts.has(ref.group);
      this.diags.push({
        severity: 'error', code: 'inventory.undefinedGroup', loc: ref.loc,
        message: ref.kind === 'vars'
          ? `[${ref.group}:vars] sets variables of a group that is not defined`
          : `[${ref.parent}:children] names "${ref.group}", which is not a defined group`,
        hint: isHost
          ? `"${ref.group}" is a host: list hosts under [${ref.parent ?? ref.group}], groups under [${ref.parent ?? ref.group}:children]`
          : guess ? `did you mean "${guess}"?` : `declare it with a [${ref.group}] section (it may stay empty)`,
      });
    }
  }

  /** Whether `to` is reachable from `from` through child edges. */
  private reaches(from: string, to: string): boolean {
    return this.pathBetween(from, to).length > 0;
  }

  private pathBetween(from: string, to: string): string[] {
    const prev = new Map<string, string>([[from, '']]);
    const queue = [from];
    while (queue.length) {
      const cur = queue.shift()!;
      if (cur === to) {
        const path: string[] = [];
        for (let x: string | undefined = cur; x; x = prev.get(x) || undefined) path.unshift(x);
        return path;
      }
      for (const ch of this.groups.get(cur)?.children ?? []) {
        if (!prev.has(ch)) { prev.set(ch, cur); queue.push(ch); }
      }
    }
    return [];
  }

  /** Resolves everything into the model. `sources` are the inventory paths as given. */
  build(sources: string[]): Inventory {
    const all = this.groups.get('all')!;
    const ungrouped = this.groups.get('ungrouped')!;
    // Ansible's reconcile_inventory: every group hangs under 'all'; hosts without a group go to 'ungrouped'.
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name);
    }
    for (const h of this.hosts.values()) {
      const grouped = h.groups.some((n) => n !== 'all' && n !== 'ungrouped');
      if (!grouped) {
        if (!ungrouped.hostSet.has(h.name)) { ungrouped.hostSet.add(h.name); ungrouped.hosts.push(h.name); }
        if (!h.groupSet.has('ungrouped')) { h.groupSet.add('ungrouped'); h.groups.push('ungrouped'); }
      } else if (h.groupSet.has('ungrouped')) {
        h.groupSet.delete('ungrouped');
        h.groups = h.groups.filter((n) => n !== 'ungrouped');
        ungrouped.hostSet.delete(h.name);
      }
    }
    if (ungrouped.hosts.length !== ungrouped.hostSet.size) ungrouped.hosts = ungrouped.hosts.filter((n) => ungrouped.hostSet.has(n));

    const depth = this.depths();
    const ancestors = new Map<string, Set<string>>();
    const ancestorsOf = (name: string): Set<string> => {
      let s = ancestors.get(name);
      if (s) return s;
      s = new Set();
      for (const p of this.groups.get(name)!.parents) {
        s.add(p);
        for (const a of ancestorsOf(p)) s.add(a);
      }
      ancestors.set(name, s);
      return s;
    };
    const order = (a: GroupRec, b: GroupRec): number =>
      depth.get(a.name)! - depth.get(b.name)! || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

    const filesByName = { group: new Map<string, FileVars[]>(), host: new Map<string, FileVars[]>() };
    for (const fv of this.fileVars) {
      const m = filesByName[fv.kind];
      const list = m.get(fv.name) ?? [];
      list.push(fv);
      m.set(fv.name, list);
    }
    for (const list of [...filesByName.group.values(), ...filesByName.host.values()]) {
      // inventory-adjacent before playbook-adjacent, then directory order, then file order (stable sort)
      list.sort((a, b) => (a.slot === b.slot ? 0 : a.slot === 'inventory' ? -1 : 1) || a.dir - b.dir);
    }

    // Hosts with the same direct groups share everything but their own vars: resolve group layers once per set.
    const bySignature = new Map<string, { groups: string[]; vars: Map<string, { value: unknown; origin: VarOrigin }> }>();
    const groupLayers = (h: HostRec): { groups: string[]; vars: Map<string, { value: unknown; origin: VarOrigin }> } => {
      const sig = h.groups.join('\0');
      const hit = bySignature.get(sig);
      if (hit) return hit;
      const set = new Set<string>(['all']);
      for (const g of h.groups) {
        set.add(g);
        for (const a of ancestorsOf(g)) set.add(a);
      }
      const sorted = [...set].filter((n) => n !== 'all').map((n) => this.groups.get(n)!).sort(order);
      const vars = new Map<string, { value: unknown; origin: VarOrigin }>();
      const apply = (m: VarMap, g: string): void => {
        const origin = (e: VarEntry): VarOrigin => (g === 'all' ? { scope: 'all', name: 'all', loc: e.loc } : { scope: 'group', name: g, loc: e.loc });
        for (const [k, e] of m) vars.set(k, { value: e.value, origin: origin(e) });
      };
      // Ansible's VARIABLE_PRECEDENCE default: all_inventory, groups_inventory, all_plugins_inventory,
      // all_plugins_play, groups_plugins_inventory, groups_plugins_play.
      apply(all.vars, 'all');
      for (const g of sorted) apply(g.vars, g.name);
      for (const slot of ['inventory', 'playbook'] as const) {
        for (const fv of filesByName.group.get('all') ?? []) if (fv.slot === slot) apply(fv.vars, 'all');
      }
      for (const slot of ['inventory', 'playbook'] as const) {
        // per vars directory, then groups in order (Ansible loops sources outermost)
        const dirs = new Set<number>();
        for (const g of sorted) for (const fv of filesByName.group.get(g.name) ?? []) if (fv.slot === slot) dirs.add(fv.dir);
        for (const d of [...dirs].sort((a, b) => a - b)) {
          for (const g of sorted) for (const fv of filesByName.group.get(g.name) ?? []) if (fv.slot === slot && fv.dir === d) apply(fv.vars, g.name);
        }
      }
      const res = { groups: ['all', ...sorted.map((g) => g.name)], vars };
      bySignature.set(sig, res);
      return res;
    };

    const hosts = new Map<string, Host>();
    for (const h of this.hosts.values()) {
      const layers = groupLayers(h);
      const vars: Vars = {};
      const origins: Record<string, VarOrigin> = {};
      for (const [k, v] of layers.vars) { vars[k] = v.value; origins[k] = v.origin; }
      const hostLayer = (m: VarMap): void => {
        for (const [k, e] of m) { vars[k] = e.value; origins[k] = { scope: 'host', name: h.name, loc: e.loc }; }
      };
      hostLayer(h.vars);
      for (const fv of filesByName.host.get(h.name) ?? []) hostLayer(fv.vars);
      hosts.set(h.name, { name: h.name, vars, origins, groups: layers.groups, ...(h.loc ? { loc: h.loc } : {}) });
    }

    const groups = new Map<string, Group>();
    for (const g of this.groups.values()) {
      const vars: Vars = {};
      for (const [k, e] of g.vars) vars[k] = e.value;
      for (const fv of filesByName.group.get(g.name) ?? []) for (const [k, e] of fv.vars) vars[k] = e.value;
      groups.set(g.name, { name: g.name, hosts: g.hosts, children: g.children, vars, ...(g.loc ? { loc: g.loc } : {}) });
    }
    return { sources, hosts, groups };
  }

  /** Depth below 'all' (longest path), as Ansible sorts groups by it. The graph is acyclic by construction. */
  private depths(): Map<string, number> {
    const depth = new Map<string, number>();
    const visit = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      const g = this.groups.get(name)!;
      let d = 0;
      for (const p of g.parents) d = Math.max(d, visit(p) + 1);
      depth.set(name, d);
      return d;
    };
    for (const name of this.groups.keys()) visit(name);
    return depth;
  }
}
