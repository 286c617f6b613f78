// OpenSSH known_hosts: parsing, lookup by address and port, fingerprints, and recording newly accepted keys.
//
// Supported: plain names and comma lists with `*`/`?` wildcards and `!` negation, `[host]:port` for ports
// other than 22, hashed names `|1|salt|hmac-sha1`, `@revoked` (the key is refused), comments, blank lines.
// `@cert-authority` lines are skipped: host certificates are not supported, so a host known only through a
// CA is treated as unknown.
import { createHash, createHmac } from 'node:crypto';
import { appendFile, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  /** 1-based */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** the host field as written (a pattern list or a hashed name) */
  hosts: string;
  /** key type from the key blob itself, e.g. ssh-ed25519 */
  keyType: string;
  key: Buffer;
}

export interface KnownHostsProblem {
  file: string;
  line: number;
  message: string;
}

/** Name under which OpenSSH stores a host: `host` on port 22, else `[host]:port`. Lowercased like OpenSSH. */
export function knownHostName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The type string at the start of an SSH public key blob, or undefined if the blob is malformed. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` and ssh print it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; problems: KnownHostsProblem[] } {
  const entries: KnownHostEntry[] = [];
  const problems: KnownHostsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]!.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        problems.push({ file, line: i + 1, message: `unknown marker ${m}` });
        continue;
      }
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) {
      problems.push({ file, line: i + 1, message: 'expected "hosts keytype base64-key"' });
      continue;
    }
    const key = Buffer.from(b64, 'base64');
    const keyType = blobKeyType(key);
    if (!keyType || keyType !== type || key.toString('base64').replace(/=+$/, '') !== b64.replace(/=+$/, '')) {
      problems.push({ file, line: i + 1, message: `malformed ${type} key` });
      continue;
    }
    entries.push({ file, line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return { entries, problems };
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** Does the host field of an entry name `name` (as made by knownHostName)? */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pat of hosts.split(',')) {
    if (pat.startsWith('!')) {
      if (globToRegExp(pat.slice(1)).test(name)) return false; // a negated match wins over everything
    } else if (globToRegExp(pat).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyCheck =
  | { status: 'match'; entry: KnownHostEntry }
  /** known with a different key of the same type */
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  /** known, but only with keys of other types */
  | { status: 'other-type'; entries: KnownHostEntry[] }
  | { status: 'unknown' };

export function checkHostKey(entries: readonly KnownHostEntry[], address: string, port: number, blob: Buffer): HostKeyCheck {
  const type = blobKeyType(blob);
  const forHost = indexOf(entries).forName(knownHostName(address, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key.equals(blob));
  if (match) return { status: 'match', entry: match };
  const changed = plain.find((e) => e.keyType === type);
  if (changed) return { status: 'changed', entry: changed };
  if (plain.length > 0) return { status: 'other-type', entries: plain };
  return { status: 'unknown' };
}

/** Key types known for a host, in file order: ssh offers these host key algorithms first, like OpenSSH. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], address: string, port: number): string[] {
  const types = indexOf(entries).forName(knownHostName(address, port)).filter((e) => e.marker === undefined).map((e) => e.keyType);
  return [...new Set(types)];
}

/**
 * Lookups by host name over one entry list. A connect looks its host up twice (key types, then the key), and a run
 * connects to every host of a known_hosts file that lists the fleet: a scan per lookup was O(hosts x lines), a
 * quadratic step (measured 2 us per line per lookup, 16 s of CPU for 2,000 hosts). Plain names (the lines
 * ssh-keyscan and --accept-new-host-keys write) go through a map; only wildcard, negated and hashed lines are
 * scanned, once per name. Hashed lines stay O(lines) per host: each has its own salt, so an HMAC per line is the
 * only way to match them (about 3 us each; OpenSSH's ssh pays the same per connection).
 */
class HostIndex {
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly scanned: KnownHostEntry[] = [];
  private readonly position = new Map<KnownHostEntry, number>();
  private readonly memo = new Map<string, KnownHostEntry[]>();

  constructor(entries: readonly KnownHostEntry[]) {
    entries.forEach((e, i) => {
      if (e.marker === 'cert-authority') return;
      this.position.set(e, i);
      if (e.hosts.startsWith('|1|') || /[*?!]/.test(e.hosts)) {
        this.scanned.push(e);
        return;
      }
      // a plain pattern matches exactly its own name, case-insensitively (see hostFieldMatches)
      for (const name of new Set(e.hosts.split(',').map((h) => h.toLowerCase()))) {
        const list = this.byName.get(name);
        if (list) list.push(e);
        else this.byName.set(name, [e]);
      }
    });
  }

  /** Entries (other than @cert-authority) whose host field names `name`, in file order. */
  forName(name: string): KnownHostEntry[] {
    let hit = this.memo.get(name);
    if (!hit) {
      const exact = this.byName.get(name) ?? [];
      const scanned = this.scanned.filter((e) => hostFieldMatches(e.hosts, name));
      hit = scanned.length === 0 ? exact : [...exact, ...scanned].sort((a, b) => this.position.get(a)! - this.position.get(b)!);
      this.memo.set(name, hit);
    }
    return hit;
  }
}

const indexes = new WeakMap<readonly KnownHostEntry[], HostIndex>();
function indexOf(entries: readonly KnownHostEntry[]): HostIndex {
  let idx = indexes.get(entries);
  if (!idx) {
    idx = new HostIndex(entries);
    indexes.set(entries, idx);
  }
  return idx;
}

/** The known_hosts line for a newly accepted key (not hashed, so it stays readable and greppable). */
export function knownHostsLine(address: string, port: number, blob: Buffer): string {
  return `${knownHostName(address, port)} ${blobKeyType(blob)} ${blob.toString('base64')}`;
}

// Parsed files, reused while the file is unchanged: thousands of connects share one parse.
const cache = new Map<string, { mtimeMs: number; size: number; entries: KnownHostEntry[]; problems: KnownHostsProblem[] }>();
// The combined result per list of paths, returned as the same arrays while no file changed, so that the lookup
// index built on them (indexOf) is built once per run, not once per connect.
const combined = new Map<string, { sig: string; entries: KnownHostEntry[]; problems: KnownHostsProblem[] }>();

/** Reads every file that exists (a missing file is empty). */
export async function loadKnownHosts(paths: readonly string[]): Promise<{ entries: KnownHostEntry[]; problems: KnownHostsProblem[] }> {
  const parts: { entries: KnownHostEntry[]; problems: KnownHostsProblem[] }[] = [];
  const sig: string[] = [];
  for (const path of paths) {
    let st;
    try {
      st = await stat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        sig.push('-');
        continue;
      }
      throw e;
    }
    let hit = cache.get(path);
    if (!hit || hit.mtimeMs !== st.mtimeMs || hit.size !== st.size) {
      const parsed = parseKnownHosts(await readFile(path, 'utf8'), path);
      hit = { mtimeMs: st.mtimeMs, size: st.size, ...parsed };
      cache.set(path, hit);
    }
    sig.push(`${hit.mtimeMs}:${hit.size}`);
    parts.push(hit);
  }
  const key = paths.join('\0');
  const s = sig.join('\0');
  const prev = combined.get(key);
  if (prev && prev.sig === s) return prev;
  const out = { sig: s, entries: parts.flatMap((p) => p.entries), problems: parts.flatMap((p) => p.problems) };
  combined.set(key, out);
  return out;
}

// Appends are serialised within the process so concurrent accepts cannot interleave lines.
let appendChain: Promise<unknown> = Promise.resolve();

/** Records an accepted key: creates the file 0600 (parent 0700) if needed, never rewrites existing lines. */
export function appendKnownHost(path: string, address: string, port: number, blob: Buffer): Promise<void> {
  const run = async () => {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let prefix = '';
    try {
      const fh = await open(path, 'r');
      try {
        const { size } = await fh.stat();
        if (size > 0) {
          const last = Buffer.alloc(1);
          await fh.read(last, 0, 1, size - 1);
          if (last[0] !== 0x0a) prefix = '\n';
        }
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await appendFile(path, `${prefix}${knownHostsLine(address, port, blob)}\n`, { mode: 0o600 });
    cache.delete(path);
  };
  const p = appendChain.then(run, run);
  appendChain = p.catch(() => {});
  return p;
}
