// Pure helpers of the fleet harness: 127.x address arithmetic and the texts of the files a fleet
// hands to the runner (known_hosts, Ansible inventory, OpenSSH arguments).

/** The whole test fleet lives on loopback; anything else would reach a real network. */
export function nthAddress(first: string, offset: number): string {
  const parts = first.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`fleet: "${first}" is not an IPv4 address`);
  }
  const [a, b, c, d] = parts as [number, number, number, number];
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d + offset;
  const out = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  if (out[0] !== 127 || out[3] === 0 || out[3] === 255) {
    throw new Error(`fleet: address #${offset + 1} from ${first} is ${out.join('.')}, outside 127.0.0.0/8 or a .0/.255 address`);
  }
  return out.join('.');
}

/** known_hosts host pattern: OpenSSH writes a non-default port as [addr]:port. */
export function knownHostsPattern(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** "ssh-ed25519 AAAA... root@host" (a .pub file) -> "<pattern> ssh-ed25519 AAAA...". */
export function hostKeyLine(address: string, port: number, pubKeyFile: string): string {
  const [type, key] = pubKeyFile.trim().split(/\s+/);
  if (!type || !key) throw new Error(`fleet: not a public key: ${JSON.stringify(pubKeyFile)}`);
  return `${knownHostsPattern(address, port)} ${type} ${key}`;
}

export interface InventoryHost {
  name: string;
  address: string;
  port: number;
}

/**
 * Ansible YAML inventory: group `nodes` under `all`, one host per node, the known_hosts path as a
 * group var. Scalars are written as JSON strings, which are valid YAML and need no escaping rules.
 */
export function inventoryYaml(
  hosts: InventoryHost[],
  opts: { user: string; keyPath: string; knownHostsPath: string },
): string {
  const q = JSON.stringify;
  const lines = ['all:', '  children:', '    nodes:', '      hosts:'];
  for (const h of hosts) {
    lines.push(
      `        ${h.name}:`,
      `          ansible_host: ${q(h.address)}`,
      `          ansible_port: ${h.port}`,
      `          ansible_user: ${q(opts.user)}`,
      `          ansible_ssh_private_key_file: ${q(opts.keyPath)}`,
    );
  }
  lines.push('      vars:', `        fleetsweep_known_hosts: ${q(opts.knownHostsPath)}`);
  return lines.join('\n') + '\n';
}

/** Arguments for the system `ssh` that trust exactly the fleet's known_hosts and key. */
export function opensshArgs(
  target: { address: string; port: number },
  user: string,
  files: { keyPath: string; knownHostsPath: string },
): string[] {
  return [
    '-i', files.keyPath,
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${files.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    '-p', String(target.port),
    `${user}@${target.address}`,
  ];
}
