// Host key verification for ssh2 (which verifies nothing by itself) and the errors it leads to.
import { UnreachableError } from './connection.js';
import { appendKnownHost, checkHostKey, fingerprint, blobKeyType, type KnownHostEntry } from './knownhosts.js';

export interface HostKeyPolicy {
  address: string;
  port: number;
  /** known_hosts files; the first receives accepted keys */
  knownHostsPaths: readonly string[];
  acceptNew: boolean;
}

/** What the verifier decided, kept so connect() can throw the real reason instead of ssh2's generic handshake error. */
export interface HostKeyDecision {
  error?: UnreachableError;
  /** set when a new key was recorded */
  recorded?: string;
}

const where = (e: KnownHostEntry) => `${e.file}:${e.line}`;

/**
 * Builds ssh2's `hostVerifier`. Outcomes: a known key passes; a different key of a known type, a revoked key,
 * or a host known only with other key types is always refused (accept-new never overrides these, as in
 * OpenSSH); an unknown host is recorded and accepted with acceptNew, else refused.
 */
export function makeHostVerifier(entries: readonly KnownHostEntry[], policy: HostKeyPolicy, decision: HostKeyDecision) {
  return (key: Buffer, verify: (ok: boolean) => void): void => {
    const fp = fingerprint(key);
    const type = blobKeyType(key) ?? 'unknown';
    const hostPort = policy.port === 22 ? policy.address : `[${policy.address}]:${policy.port}`;
    const refuse = (reason: 'hostkey-changed' | 'hostkey-unknown', message: string) => {
      decision.error = new UnreachableError(reason, message);
      verify(false);
    };
    const check = checkHostKey(entries, policy.address, policy.port, key);
    switch (check.status) {
      case 'match':
        return verify(true);
      case 'revoked':
        return refuse('hostkey-changed', `host key ${type} ${fp} of ${hostPort} is marked @revoked in ${where(check.entry)}`);
      case 'changed':
        return refuse(
          'hostkey-changed',
          `HOST KEY CHANGED for ${hostPort}: got ${type} ${fp}, known_hosts has another ${type} key at ${where(check.entry)}; ` +
            `if the host was really reinstalled, remove that line (ssh-keygen -R ${shortHost(policy)}) and reconnect`,
        );
      case 'other-type':
        return refuse(
          'hostkey-changed',
          `host ${hostPort} offered ${type} ${fp} but known_hosts only has ${[...new Set(check.entries.map((e) => e.keyType))].join(', ')} for it ` +
            `(${check.entries.map(where).join(', ')}); verify the new key and add it with ssh-keyscan`,
        );
      case 'unknown': {
        const file = policy.knownHostsPaths[0];
        if (!policy.acceptNew || !file) {
          return refuse(
            'hostkey-unknown',
            `unknown host key for ${hostPort}: ${type} ${fp}; ` +
              (file
                ? `rerun with --accept-new-host-keys to record it, or add it with ssh-keyscan -p ${policy.port} ${policy.address} >> ${file}`
                : 'no known_hosts file is configured'),
          );
        }
        appendKnownHost(file, policy.address, policy.port, key).then(
          () => {
            decision.recorded = `${file}: ${hostPort} ${type} ${fp}`;
            verify(true);
          },
          (e: Error) => {
            decision.error = new UnreachableError('hostkey-unknown', `cannot record host key of ${hostPort} in ${file}: ${e.message}`, e);
            verify(false);
          },
        );
        return;
      }
    }
  };
}

function shortHost(p: HostKeyPolicy): string {
  return p.port === 22 ? p.address : `'[${p.address}]:${p.port}'`;
}
