// Inventory model: hosts, groups and variables with their provenance.
import type { SourceLocation } from './source.js';

export type Vars = Record<string, unknown>;

/** Where a resolved host variable came from, e.g. "group_vars nodes (inventory/hosts.yml:12:5)". */
export interface VarOrigin {
  scope: 'all' | 'group' | 'host' | 'extra' | 'play' | 'default';
  /** group name for scope 'group' */
  name?: string;
  loc?: SourceLocation;
}

export interface Host {
  name: string;
  /** resolved variables (group vars by depth, then host vars); extra-vars applied later by the runner */
  vars: Vars;
  origins: Record<string, VarOrigin>;
  /** every group the host belongs to, directly or through children, 'all' included */
  groups: string[];
  loc?: SourceLocation;
}

export interface Group {
  name: string;
  /** hosts listed directly in this group */
  hosts: string[];
  children: string[];
  vars: Vars;
  loc?: SourceLocation;
}

export interface Inventory {
  /** files the inventory was read from; empty for the implicit localhost */
  sources: string[];
  /** insertion order = the order hosts were first seen */
  hosts: Map<string, Host>;
  groups: Map<string, Group>;
}

/** Connection settings for one host, derived from its variables (ansible_* and fleetsweep_* names). */
export interface HostConnection {
  /** 'ssh' or 'local' */
  kind: 'ssh' | 'local';
  /** address or name to connect to (ansible_host, else ssh_config HostName, else the inventory name) */
  address: string;
  port?: number;
  user?: string;
  privateKeyPath?: string;
  knownHostsPath?: string;
  become: boolean;
  becomeUser: string;
  /** all addresses the host is known by: ssh address plus fleetsweep_addresses / storage addresses */
  addresses: string[];
}
