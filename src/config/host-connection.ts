// How to reach a host, from its resolved variables (ansible_* names as Ansible reads them, plus fleetsweep_*).
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Host, HostConnection } from '../model/inventory.js';
import { ansibleBoolean, asAddressList, asPort, isTemplated, LOCAL_CONNECTIONS } from './inventory-vars.js';

export interface HostConnectionOptions {
  /**
   * Renders a templated value (`ansible_host: "{{ inventory_hostname }}.mgmt"`) with the host's variables.
   * Without it such values are used as written, and a templated port is left unset.
   */
  render?: (text: string) => string;
}

/**
 * Connection settings of one host. Fields the inventory does not set stay undefined so the transport can consult
 * ~/.ssh/config (Ansible's ssh plugin defers to it the same way). Never throws: the loader already rejected bad
 * ports and types, and warned about connection plugins other than ssh/local (those hosts get ssh and fail to connect).
 */
export function hostConnection(host: Host, opts: HostConnectionOptions = {}): HostConnection {
  const v = host.vars;
  const str = (x: unknown): string | undefined => {
    if (x === undefined || x === null || x === '') return undefined;
    const s = String(x);
    return isTemplated(s) && opts.render ? opts.render(s) : s;
  };
  const first = (...names: string[]): unknown => {
    for (const n of names) if (v[n] !== undefined && v[n] !== null) return v[n];
    return undefined;
  };

  const conn = str(first('fleetsweep_connection', 'ansible_connection'));
  const kind: HostConnection['kind'] = conn !== undefined && LOCAL_CONNECTIONS.has(conn) ? 'local' : 'ssh';
  const address = str(first('ansible_host', 'ansible_ssh_host')) ?? host.name;
  const portRaw = first('ansible_port', 'ansible_ssh_port');
  const port = asPort(typeof portRaw === 'string' && isTemplated(portRaw) ? (opts.render ? opts.render(portRaw) : undefined) : portRaw);
  const user = str(first('ansible_user', 'ansible_ssh_user'));
  const key = str(first('ansible_ssh_private_key_file', 'ansible_private_key_file'));
  const known = str(v['fleetsweep_known_hosts']);
  const becomeRaw = v['ansible_become'];
  const become = ansibleBoolean(typeof becomeRaw === 'string' && isTemplated(becomeRaw) && opts.render ? opts.render(becomeRaw) : becomeRaw) ?? false;
  const becomeUser = str(v['ansible_become_user']) ?? 'root';

  const addresses: string[] = [address];
  for (const a of asAddressList(v['fleetsweep_addresses']) ?? []) if (!addresses.includes(a)) addresses.push(a);

  const out: HostConnection = { kind, address, become, becomeUser, addresses };
  if (port !== undefined) out.port = port;
  if (user !== undefined) out.user = user;
  if (key !== undefined) out.privateKeyPath = expandHome(key);
  // a relative known_hosts file is relative to the inventory that names it, so a checked-in
  // inventory/known_hosts works from any working directory
  if (known !== undefined) out.knownHostsPath = relativeTo(expandHome(known), host.origins['fleetsweep_known_hosts']?.loc?.file);
  return out;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** Relative to the inventory file's directory; for a group_vars/ or host_vars/ file, to the directory holding those. */
function relativeTo(p: string, file: string | undefined): string {
  if (isAbsolute(p) || !file || file.startsWith('<')) return p;
  const parts = dirname(file).split(sep);
  const vars = Math.max(parts.lastIndexOf('group_vars'), parts.lastIndexOf('host_vars'));
  return resolve(vars > 0 ? parts.slice(0, vars).join(sep) : dirname(file), p);
}
