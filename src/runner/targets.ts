// Where and how to connect to a host: inventory variables first, then ~/.ssh/config, then defaults (Ansible's order).
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../model/inventory.js';
import { hostConnection } from '../config/host-connection.js';
import { renderString } from '../template/index.js';
import { resolveSshConfig } from '../transport/index.js';
import type { ConnectTarget } from '../transport/connection.js';

export interface TargetDefaults {
  acceptNewHostKeys: boolean;
  connectTimeoutMs: number;
  sshConfigFile?: string;
}

export function connectTarget(host: Host, d: TargetDefaults): ConnectTarget {
  // connection variables may be templates (ansible_host: "{{ mgmt_ip }}"), rendered with the host's own variables
  const hc = hostConnection(host, { render: (text) => renderString({ text, loc: host.loc ?? { file: '<inventory>', line: 1, col: 1 } }, host.vars) });
  const user = userInfo().username;
  if (hc.kind === 'local') {
    return { name: host.name, kind: 'local', address: 'localhost', port: 0, user, knownHostsPaths: [], acceptNewHostKeys: false, connectTimeoutMs: d.connectTimeoutMs };
  }
  // ssh_config's Host patterns match what the user would type: ansible_host when set, else the inventory name
  const sc = resolveSshConfig(hc.address || host.name, d.sshConfigFile);
  const explicitAddress = hc.address && hc.address !== host.name ? hc.address : undefined;
  const knownHosts = hc.knownHostsPath ? [hc.knownHostsPath] : sc.knownHostsPaths?.length ? sc.knownHostsPaths : [join(homedir(), '.ssh', 'known_hosts')];
  return {
    name: host.name,
    kind: 'ssh',
    address: explicitAddress ?? sc.address ?? host.name,
    port: hc.port ?? sc.port ?? 22,
    user: hc.user ?? sc.user ?? user,
    privateKeyPath: hc.privateKeyPath ?? sc.privateKeyPath,
    knownHostsPaths: knownHosts,
    acceptNewHostKeys: d.acceptNewHostKeys || (sc.acceptNewHostKeys ?? false),
    connectTimeoutMs: d.connectTimeoutMs,
    proxyJump: sc.proxyJump,
    agent: process.env.SSH_AUTH_SOCK,
    forwardAgent: sc.forwardAgent ?? false,
  };
}
