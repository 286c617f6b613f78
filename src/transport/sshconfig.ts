// ~/.ssh/config lookups (via the ssh-config package) turned into ConnectTarget fields.
//
// Precedence, as in Ansible: inventory variables (ansible_host, ansible_user, ansible_port,
// ansible_ssh_private_key_file, ...) > ~/.ssh/config > defaults. `layerTarget` applies it. Like Ansible,
// look up the name ssh is given: ansible_host when set, else the inventory name.
//
// Supported: HostName (%h, %%), User, Port, IdentityFile (~, %d %u %h %r %p %n %%; the first file that
// exists), ProxyJump (one hop, its alias resolved here to user@host:port), StrictHostKeyChecking
// (accept-new/no/off -> acceptNewHostKeys; a changed key is always refused), UserKnownHostsFile,
// ForwardAgent (yes/no), IdentityAgent (a path or SSH_AUTH_SOCK; "none" is ignored), ConnectTimeout.
// Include is expanded here (ssh-config does not read files): paths relative to the directory of the
// including file (~/.ssh for the user config), `*`/`?` globs in the last path component, depth 16. An
// Include inside a Host block applies its own Host sections unconditionally (OpenSSH makes them also
// depend on the enclosing block). `Match exec` is never run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import SSHConfig from 'ssh-config';
import type { ConnectTarget } from './connection.js';

export function defaultSshConfigPath(): string {
  return join(homedir(), '.ssh', 'config');
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

interface Tokens {
  h?: string;
  n?: string;
  r?: string;
  p?: number;
}

/** `~` and OpenSSH's percent tokens. */
export function expandTokens(s: string, t: Tokens = {}): string {
  const home = homedir();
  let out = s === '~' ? home : s.startsWith('~/') ? home + s.slice(1) : s;
  out = out.replace(/%([%dunhrp])/g, (m, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'd': return home;
      case 'u': return localUser();
      case 'n': return t.n ?? m;
      case 'h': return t.h ?? m;
      case 'r': return t.r ?? m;
      case 'p': return t.p !== undefined ? String(t.p) : m;
      default: return m;
    }
  });
  return out;
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(m[1] ?? m[2]!);
  return out;
}

function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = pattern.slice(dir.length + 1);
  if (!/[*?]/.test(base)) return existsSync(pattern) ? [pattern] : [];
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  try {
    return readdirSync(dir).filter((f) => re.test(f) && !f.startsWith('.')).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const SECTION = /^\s*(?:host|match)(?:\s*=\s*|\s+)/i;

/** The config text with every Include spliced in place (see the file comment for the semantics). */
export function expandIncludes(file: string, baseDir = dirname(file), depth = 0): string {
  if (depth > 16) throw new Error(`${file}: Include nested too deeply`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  const out: string[] = [];
  let header: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const inc = INCLUDE.exec(line);
    if (!inc) {
      if (SECTION.test(line)) header = line;
      out.push(line);
      continue;
    }
    let sawSection = false;
    for (const arg of splitArgs(inc[1]!)) {
      const p = expandTokens(arg);
      for (const f of globFiles(isAbsolute(p) ? p : join(baseDir, p))) {
        const sub = expandIncludes(f, baseDir, depth + 1);
        if (sub.split('\n').some((l) => SECTION.test(l))) sawSection = true;
        out.push(`# included from ${f}`, sub);
      }
    }
    // lines after the Include still belong to the block it sat in (or are global)
    if (sawSection) out.push(header ?? 'Host *');
  }
  return out.join('\n');
}

const parsed = new Map<string, SSHConfig>();

function load(file: string): SSHConfig {
  let cfg = parsed.get(file);
  if (!cfg) {
    cfg = SSHConfig.parse(expandIncludes(file));
    parsed.set(file, cfg);
  }
  return cfg;
}

/** Forgets parsed files (tests, or a long-lived process after the user edited the file). */
export function clearSshConfigCache(): void {
  parsed.clear();
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean));
const yes = (v: string | undefined) => v !== undefined && /^(yes|true)$/i.test(v);

/** Settings for `name` from an ssh config file (default ~/.ssh/config); only what the file sets. */
export function resolveSshConfig(name: string, file: string = defaultSshConfigPath()): Partial<ConnectTarget> {
  const cfg = load(file);
  const c = cfg.compute(name, { ignoreCase: true, matchExec: false });
  const out: Partial<ConnectTarget> = {};
  const hostName = first(c.hostname);
  const address = hostName ? expandTokens(hostName, { h: name, n: name }) : undefined;
  if (address) out.address = address;
  const user = first(c.user);
  if (user) out.user = user;
  const port = Number(first(c.port));
  if (Number.isInteger(port) && port > 0) out.port = port;
  const tokens: Tokens = { h: address ?? name, n: name, ...(user ? { r: user } : {}), ...(out.port ? { p: out.port } : {}) };

  const ids = list(c.identityfile).filter((f) => f.toLowerCase() !== 'none').map((f) => expandTokens(f, tokens));
  if (ids.length > 0) out.privateKeyPath = ids.find((f) => existsSync(f)) ?? ids[0]!;

  const jump = first(c.proxyjump);
  if (jump && jump.toLowerCase() !== 'none') out.proxyJump = resolveJump(cfg, jump);

  const strict = first(c.stricthostkeychecking)?.toLowerCase();
  if (strict !== undefined) out.acceptNewHostKeys = ['accept-new', 'no', 'off'].includes(strict);

  const khf = list(c.userknownhostsfile);
  if (khf.length > 0) out.knownHostsPaths = khf.some((f) => f.toLowerCase() === 'none') ? [] : khf.map((f) => expandTokens(f, tokens));

  const fwd = first(c.forwardagent);
  if (fwd !== undefined) out.forwardAgent = yes(fwd);

  const ia = first(c.identityagent);
  if (ia && ia.toLowerCase() !== 'none') {
    const sock = ia === 'SSH_AUTH_SOCK' ? process.env.SSH_AUTH_SOCK : ia.startsWith('$') ? process.env[ia.slice(1)] : expandTokens(ia, tokens);
    if (sock) out.agent = sock;
  }

  const ct = Number(first(c.connecttimeout));
  if (Number.isFinite(ct) && ct > 0) out.connectTimeoutMs = ct * 1000;
  return out;
}

/** ProxyJump "alias" -> "user@hostname:port" using the alias's own Host block; several hops are kept as written. */
function resolveJump(cfg: SSHConfig, spec: string): string {
  if (spec.includes(',')) return spec;
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:@/]+)(?::(\d+))?\/?$/.exec(spec.trim());
  if (!m) return spec;
  const alias = m[2]!.replace(/^\[|\]$/g, '');
  const c = cfg.compute(alias, { ignoreCase: true, matchExec: false });
  const host = first(c.hostname) ? expandTokens(first(c.hostname)!, { h: alias, n: alias }) : alias;
  const user = m[1] ?? first(c.user);
  const port = m[3] ?? first(c.port) ?? '22';
  const h = host.includes(':') ? `[${host}]` : host;
  return `${user ? `${user}@` : ''}${h}:${port}`;
}

/** OpenSSH-like defaults: port 22, the local user, ~/.ssh/known_hosts, the first default key that exists, $SSH_AUTH_SOCK. */
export function sshDefaults(): Omit<ConnectTarget, 'name' | 'kind' | 'address'> {
  const ssh = join(homedir(), '.ssh');
  const key = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(ssh, k)).find((f) => existsSync(f));
  return {
    port: 22,
    user: localUser(),
    knownHostsPaths: [join(ssh, 'known_hosts'), join(ssh, 'known_hosts2')],
    acceptNewHostKeys: false,
    connectTimeoutMs: 10_000,
    ...(key ? { privateKeyPath: key } : {}),
    ...(process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
  };
}

/** Applies the precedence: later layers win, undefined never overrides. */
export function layerTarget<T extends object>(...layers: Partial<T>[]): Partial<T> {
  const out: Partial<T> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}
