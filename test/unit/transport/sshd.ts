// Test helper: a throwaway OpenSSH server on 127.0.3.1 (loopback only), started and stopped by pid.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
export const ADDRESS = '127.0.3.1';

export function sshdUnavailableReason(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install -y openssh-server)`;
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen is missing';
  return undefined;
}

export interface Keypair {
  path: string;
  /** the public key line */
  pub: string;
  /** SHA256 fingerprint as ssh-keygen prints it */
  fingerprint: string;
  /** the known_hosts key part: "type base64" */
  keyPart: string;
}

export function keygen(dir: string, name: string, type = 'ed25519', passphrase = ''): Keypair {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', name, '-f', path]);
  const pub = readFileSync(`${path}.pub`, 'utf8').trim();
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { path, pub, fingerprint, keyPart: pub.split(' ').slice(0, 2).join(' ') };
}

export interface Sshd {
  dir: string;
  port: number;
  hostKey: Keypair;
  clientKey: Keypair;
  /** everything sshd logged so far */
  log(): string;
  /** number of completed logins so far */
  logins(): number;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'fs-sshd-'));
  const hostKey = keygen(dir, 'ssh_host_ed25519_key');
  const clientKey = keygen(dir, 'client');
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey.pub}\n`);
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  for (let port = 2222; port < 2242; port++) {
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      `ListenAddress ${ADDRESS}`,
      `Port ${port}`,
      `HostKey ${hostKey.path}`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      `PidFile ${dir}/sshd.pid`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      'MaxStartups 100',
      'MaxSessions 20',
    ].join('\n') + '\n');
    let log = '';
    const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ready = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${log}`)), 10_000);
      child.stderr!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes(`Server listening on ${ADDRESS} port ${port}`)) { clearTimeout(timer); resolve(true); }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        if (/Address already in use|Cannot bind/.test(log)) resolve(false);
        else reject(new Error(`sshd exited:\n${log}`));
      });
    });
    if (!ready) continue;
    return {
      dir,
      port,
      hostKey,
      clientKey,
      log: () => log,
      logins: () => log.split('\n').filter((l) => l.includes('Accepted publickey')).length,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM'); // by pid: only the sshd this helper started
        }),
    };
  }
  throw new Error(`no free port for sshd on ${ADDRESS} in 2222..2241`);
}
