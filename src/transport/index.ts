// Public surface of the transport layer: connect() for ssh and local, host keys, ssh config.
import type { Connection, ConnectTarget } from './connection.js';
import { LocalConnection } from './local.js';
import { connectSsh } from './ssh.js';

export * from './connection.js';
export { LocalConnection } from './local.js';
export { SshConnection, parseJump, type Negotiated } from './ssh.js';
export { resolveSshConfig, sshDefaults, layerTarget, expandTokens, defaultSshConfigPath, clearSshConfigCache } from './sshconfig.js';
export { parseKnownHosts, checkHostKey, fingerprint, knownHostName, loadKnownHosts, type KnownHostEntry, type HostKeyCheck } from './knownhosts.js';
export { DEFAULT_MAX_OUTPUT } from './output.js';

/** Opens the host's connection: one ssh connection (or a local runner) reused for all its commands. Throws UnreachableError. */
export async function connect(target: ConnectTarget): Promise<Connection> {
  switch (target.kind) {
    case 'local':
      return new LocalConnection(target.name);
    case 'ssh':
      return connectSsh(target);
  }
}
