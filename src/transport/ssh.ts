// One ssh connection per host (node-ssh connects, ssh2 channels run commands), verified against known_hosts.
import { createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { NodeSSH, type Config as NodeSshConfig } from 'node-ssh';
import ssh2 from 'ssh2';
import type { Algorithms, Client, ClientChannel, ParsedKey } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { CommandResult } from '../model/outcome.js';
import { UnreachableError, type BecomeSpec, type Connection, type ConnectTarget, type ExecOptions } from './connection.js';
import { toUnreachable, type ErrorContext } from './connect-error.js';
import { runKill, runWrapped, type Backend, type ExitInfo, type KillTiming, type Proc } from './exec.js';
import { makeHostVerifier, type HostKeyDecision } from './hostkey.js';
import { knownKeyTypes, loadKnownHosts } from './knownhosts.js';
import { killLine } from './wrapper.js';

const KEEPALIVE_INTERVAL_MS = 5000;
const KEEPALIVE_COUNT_MAX = 3;

const exact = (names: string[]) => names.map((n) => new RegExp(`^${n.replace(/[.@]/g, '\\$&')}$`));
/** Moves `names` to the front of ssh2's default list, keeping the rest as fallbacks; unsupported names are skipped. */
const preferred = (names: string[]) => ({ remove: exact(names), prepend: exact(names) });

const HOST_KEY_ALGOS: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

function algorithms(knownTypes: string[]): Algorithms {
  const algos: Record<string, unknown> = {
    kex: preferred(['curve25519-sha256', 'curve25519-sha256@libssh.org']),
    cipher: preferred(['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']),
  };
  // Like OpenSSH: ask for a host key type we already know, so a host with several keys is not "unknown".
  if (knownTypes.length > 0) algos.serverHostKey = preferred(knownTypes.flatMap((t) => HOST_KEY_ALGOS[t] ?? [t]));
  return algos as Algorithms;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

// A stale SSH_AUTH_SOCK would make ssh2 emit an error that node-ssh treats as fatal: probe it once per path.
const agentProbes = new Map<string, Promise<boolean>>();
function agentUsable(path: string): Promise<boolean> {
  let p = agentProbes.get(path);
  if (!p) {
    p = new Promise<boolean>((resolve) => {
      const s = createConnection(path);
      const t = setTimeout(() => { s.destroy(); resolve(false); }, 1000);
      s.once('connect', () => { clearTimeout(t); s.end(); resolve(true); });
      s.once('error', () => { clearTimeout(t); resolve(false); });
    });
    agentProbes.set(path, p);
  }
  return p;
}

/** "user@host:port", "host", "[v6]:port", "ssh://user@host:port". More than one hop is refused. */
export function parseJump(spec: string): { user?: string; host: string; port?: number } {
  if (spec.includes(',')) throw new UnreachableError('other', `ProxyJump with more than one hop is not supported: ${spec}`);
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:@/]+)(?::(\d+))?\/?$/.exec(spec.trim());
  if (!m) throw new UnreachableError('other', `cannot parse ProxyJump ${JSON.stringify(spec)}`);
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

// Parsed keys, shared by every connect: an encrypted key costs a bcrypt KDF per parse, far too much per host.
const keys = new Map<string, Promise<ParsedKey>>();
function loadKey(path: string, passphrase: string | undefined): Promise<ParsedKey> {
  const id = `${path}\0${passphrase === undefined ? '-' : createHash('sha256').update(passphrase).digest('hex')}`;
  let p = keys.get(id);
  if (!p) {
    p = (async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new UnreachableError('auth', `cannot read private key ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, e);
      }
      const parsed = ssh2.utils.parseKey(text, passphrase);
      const key = Array.isArray(parsed) ? parsed[0] : parsed;
      if (key instanceof Error || !key) {
        const why = key instanceof Error ? key.message : 'no key found';
        const hint = passphrase === undefined && /encrypted|passphrase/i.test(why) ? ' (the key needs a passphrase)' : passphrase !== undefined && !/passphrase/i.test(why) ? ' (wrong passphrase?)' : '';
        throw new UnreachableError('auth', `cannot use private key ${path}: ${why}${hint}`);
      }
      return signOnce(key);
    })();
    keys.set(id, p);
  }
  return p;
}

/** What the handshake settled on (ssh2's 'handshake' event), for diagnostics and the bench's fair floor. */
export interface Negotiated {
  kex: string;
  serverHostKey: string;
  cipher: string;
  mac: string;
}

/**
 * ssh2 signs with the key's PEM text, which Node parses again on every signature: 0.49 ms per login for an ed25519
 * key, against 0.04 ms with a KeyObject parsed once (measured). Ed25519 signatures take no hash algorithm, so the
 * replacement is exact; other key types keep ssh2's own signing.
 */
function signOnce(key: ParsedKey): ParsedKey {
  if (key.type !== 'ssh-ed25519') return key;
  let ko: ReturnType<typeof createPrivateKey>;
  try {
    ko = createPrivateKey(key.getPrivatePEM());
  } catch {
    return key;
  }
  // like ssh2's own sign, a failure is returned, not thrown
  key.sign = ((data: Buffer | string) => {
    try {
      return cryptoSign(null, typeof data === 'string' ? Buffer.from(data) : data, ko);
    } catch (e) {
      return e as Error;
    }
  }) as ParsedKey['sign'];
  return key;
}

interface Opened {
  client: Client;
  negotiated?: Negotiated;
  /** the TCP socket (or the tunnel), destroyed by close() if a polite end does not finish */
  sock: Duplex;
}

/** Connects and authenticates one hop. `sock` is the tunnel when going through a jump host. */
async function openClient(t: ConnectTarget, via: string, sock?: Duplex): Promise<Opened> {
  const dest = `${t.user}@${t.address}:${t.port}`;
  const tried: string[] = [];
  const ctx = (): ErrorContext => ({ dest, tried: tried.join(', '), connectTimeoutMs: t.connectTimeoutMs, via });

  const agent = t.agent && (await agentUsable(t.agent)) ? t.agent : undefined;
  const key = t.privateKeyPath ? await loadKey(expandHome(t.privateKeyPath), t.passphrase) : undefined;
  // OpenSSH's order: agent identities first, then the key file.
  const methods: object[] = [];
  if (agent) { methods.push({ type: 'agent', username: t.user, agent }); tried.push('ssh-agent'); }
  if (key) { methods.push({ type: 'publickey', username: t.user, key }); tried.push(`key ${t.privateKeyPath}`); }
  if (methods.length === 0) {
    throw new UnreachableError('auth', `no private key or usable ssh-agent for ${dest}${via}: set ansible_ssh_private_key_file or SSH_AUTH_SOCK`);
  }

  const kh = await loadKnownHosts(t.knownHostsPaths);
  // Our own socket, for TCP_NODELAY: with Nagle on, every exec waits ~40 ms for delayed ACKs (measured 49 ms
  // vs 2.5 ms per exec on loopback). Opened last so a local error above leaves nothing to clean up.
  const stream: Duplex = sock ?? createConnection({ host: t.address, port: t.port, noDelay: true });
  const decision: HostKeyDecision = {};
  const config: NodeSshConfig = {
    username: t.user,
    sock: stream,
    ...(agent && t.forwardAgent ? { agent, agentForward: true } : {}),
    authHandler: methods as never,
    algorithms: algorithms(knownKeyTypes(kh.entries, t.address, t.port)),
    readyTimeout: t.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    hostVerifier: makeHostVerifier(kh.entries, { address: t.address, port: t.port, knownHostsPaths: t.knownHostsPaths, acceptNew: t.acceptNewHostKeys }, decision),
  };
  const ssh = new NodeSSH();
  let negotiated: Negotiated | undefined;
  try {
    const connecting = ssh.connect(config);
    // node-ssh creates its client synchronously inside connect(), before the handshake starts
    ssh.connection?.once('handshake', (n) => {
      negotiated = { kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac };
    });
    await connecting;
  } catch (e) {
    ssh.connection?.end();
    stream.destroy();
    throw decision.error ?? toUnreachable(e, ctx());
  }
  const client = ssh.connection;
  if (!client) throw new UnreachableError('closed', `connection to ${dest}${via} closed right after login`);
  // node-ssh drops its error listener once logged in; an 'error' with no listener would crash the process
  client.on('error', () => {});
  return { client, sock: stream, ...(negotiated ? { negotiated } : {}) };
}

function openTunnel(jump: Client, t: ConnectTarget, jumpName: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new UnreachableError('timeout', `jump host ${jumpName} did not open a tunnel to ${t.address}:${t.port} within ${t.connectTimeoutMs} ms`)),
      t.connectTimeoutMs,
    );
    jump.forwardOut('127.0.0.1', 0, t.address, t.port, (err, ch) => {
      clearTimeout(timer);
      if (!err) return resolve(ch);
      const reason = /refused/i.test(err.message) ? 'refused' : 'other';
      reject(new UnreachableError(reason, `jump host ${jumpName} cannot reach ${t.address}:${t.port}: ${err.message}`, err));
    });
  });
}

export async function connectSsh(t: ConnectTarget, timing?: KillTiming): Promise<SshConnection> {
  if (!t.proxyJump) {
    const { client, sock, negotiated } = await openClient(t, '');
    const c = new SshConnection(t.name, `${t.user}@${t.address}:${t.port}`, client, undefined, [sock], t, timing);
    c.negotiated = negotiated;
    return c;
  }
  // One hop: the same verification and authentication for the jump host, then a direct-tcpip tunnel.
  const j = parseJump(t.proxyJump);
  const jumpTarget: ConnectTarget = { ...t, name: j.host, address: j.host, port: j.port ?? 22, user: j.user ?? t.user, forwardAgent: false };
  delete jumpTarget.proxyJump;
  const jumpName = `${jumpTarget.user}@${jumpTarget.address}:${jumpTarget.port}`;
  const jump = await openClient(jumpTarget, ` (jump host)`);
  try {
    const tunnel = await openTunnel(jump.client, t, jumpName);
    const { client, negotiated } = await openClient(t, ` via ${jumpName}`, tunnel);
    const c = new SshConnection(t.name, `${t.user}@${t.address}:${t.port} via ${jumpName}`, client, jump.client, [tunnel, jump.sock], t, timing);
    c.negotiated = negotiated;
    return c;
  } catch (e) {
    jump.client.end();
    jump.sock.destroy();
    throw e;
  }
}

export class SshConnection implements Connection {
  private lost: Error | undefined;
  private closing = false;
  private readonly closed: Promise<void>;
  private readonly backend: Backend;
  /** the algorithms of the (last hop's) handshake */
  negotiated?: Negotiated;

  constructor(
    readonly host: string,
    private readonly dest: string,
    private readonly client: Client,
    private readonly jump: Client | undefined,
    private readonly socks: Duplex[],
    target: ConnectTarget,
    private readonly timing?: KillTiming,
  ) {
    // node-ssh removes its error listener after login: without ours a late error would crash the process
    const onError = (e: Error) => { this.lost ??= e; };
    client.on('error', onError);
    jump?.on('error', onError);
    this.closed = new Promise((resolve) => client.once('close', () => { this.lost ??= new Error('connection closed'); resolve(); }));
    client.once('end', () => { this.lost ??= new Error('connection closed by the peer'); });
    jump?.once('close', () => { this.lost ??= new Error('jump host connection closed'); client.end(); });
    const execOpts = target.forwardAgent && target.agent ? { agentForward: true } : {};
    this.backend = {
      open: (line) => this.open(line, execOpts),
      killGroup: (pgid: number, become: BecomeSpec | undefined) => runKill(this.open(killLine(pgid, become), {}), become),
    };
  }

  private lostError(): UnreachableError {
    const why = this.closing ? 'the connection was closed' : `lost the connection (${this.lost?.message ?? 'closed'})`;
    return new UnreachableError('closed', `${this.dest}: ${why}`, this.lost);
  }

  private open(line: string, opts: { agentForward?: boolean }): Promise<Proc> {
    return new Promise((resolve, reject) => {
      if (this.lost || this.closing) return reject(this.lostError());
      const onOpen = (err: Error | undefined, ch: ClientChannel) => {
        if (err) {
          return reject(this.lost ? this.lostError() : new UnreachableError('other', `${this.dest}: cannot open a channel: ${err.message}`, err));
        }
        let exit: ExitInfo | undefined;
        ch.once('exit', (code: number | null, signal?: string) => {
          exit = { code: typeof code === 'number' ? code : null, signal: signal ?? null };
        });
        const done = new Promise<ExitInfo>((res, rej) => {
          // when the connection drops, ssh2 emits the client's close before closing its channels
          ch.once('close', () => setImmediate(() => (exit ? res(exit) : this.lost ? rej(this.lostError()) : res({ code: null, signal: null }))));
        });
        done.catch(() => {});
        resolve({
          stdin: ch,
          stdout: ch,
          stderr: ch.stderr,
          done,
          destroy: () => {
            try { ch.close(); } catch { /* already closed */ }
          },
        });
      };
      try {
        this.client.exec(line, opts as never, onOpen);
      } catch (e) {
        reject(this.lost ? this.lostError() : new UnreachableError('closed', `${this.dest}: ${(e as Error).message}`, e));
      }
    });
  }

  exec(command: string, opts: ExecOptions): Promise<CommandResult> {
    return runWrapped(this.backend, command, opts, this.timing);
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.client.end();
      this.jump?.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((r) => { timer = setTimeout(r, 1000); })]);
    clearTimeout(timer);
    for (const s of this.socks) s.destroy(); // a frozen peer never acknowledges the polite end
  }
}

