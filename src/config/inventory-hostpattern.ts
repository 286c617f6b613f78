// Inventory host keys as Ansible reads them: `host:port`, `[v6addr]:port` and ranges like node[01:50:2], web[a:f].

/** Ansible's cap is none; ours stops a typo like node[0:99999999] from eating the machine. */
export const MAX_RANGE_HOSTS = 100_000;

export interface HostKeyError {
  code: 'inventory.badRange' | 'inventory.badHostName' | 'inventory.badPort';
  message: string;
  /** 0-based offset into the key */
  at: number;
  hint?: string;
}

export type HostKeyResult = { hosts: string[]; port?: number } | { error: HostKeyError };

// Python's string.ascii_letters: alphabetic ranges run through this order, so [x:B] is valid.
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Splits an optional port off and expands ranges, like Ansible's _expand_hostpattern + parse_address.
 * A port applies to every expanded host (Ansible sets it as the host var ansible_port).
 */
export function parseHostKey(key: string): HostKeyResult {
  let pattern = key;
  let port: number | undefined;
  let portAt = -1;
  const bracketed = /^\[(.+)\]:([0-9]+)$/.exec(key);
  const hostport = bracketed ? null : /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/.exec(key);
  const m = bracketed ?? hostport;
  if (m) {
    pattern = m[1]!;
    portAt = key.length - m[2]!.length;
    port = Number(m[2]);
    if (!(port >= 1 && port <= 65535)) {
      return { error: { code: 'inventory.badPort', message: `port ${m[2]} is not in 1..65535`, at: portAt } };
    }
  } else if (key.endsWith(':')) {
    return { error: { code: 'inventory.badHostName', message: `host "${key}" ends in ":" without a port`, at: key.length - 1 } };
  }
  const offset = bracketed ? 1 : 0;
  const expanded = expandRanges(pattern, offset);
  if ('error' in expanded) return expanded;
  for (const h of expanded.hosts) {
    const bad = badHostName(h);
    if (bad) {
      return { error: { code: 'inventory.badHostName', message: `invalid host name "${h}": ${bad}`, at: 0, hint: bad.includes('@') ? 'set the login user with ansible_user' : undefined } };
    }
  }
  return port === undefined ? { hosts: expanded.hosts } : { hosts: expanded.hosts, port };
}

/** Why a host name cannot be used, or undefined when it is fine. */
export function badHostName(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name === '---') return '"---" starts a YAML document; is this a YAML file read as INI?';
  if (/\s/.test(name)) return 'contains whitespace';
  if (name.startsWith('-')) return 'starts with "-"';
  const m = /[^\p{L}\p{N}._:%-]/u.exec(name);
  if (m) return `contains "${m[0]}"${m[0] === '@' ? ' (user@host is not a host name)' : ''}`;
  return undefined;
}

type Expanded = { hosts: string[] } | { error: HostKeyError };

/** Ansible's expand_hostname_range, applied to the first [..] and recursively to the rest. */
export function expandRanges(pattern: string, offset = 0): Expanded {
  const open = pattern.indexOf('[');
  if (open < 0) {
    const close = pattern.indexOf(']');
    if (close >= 0) return rangeError(`unmatched "]" in "${pattern}"`, offset + close);
    return { hosts: [pattern] };
  }
  const close = pattern.indexOf(']', open);
  if (close < 0) return rangeError(`unclosed "[" in "${pattern}"`, offset + open);
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const seq = rangeSeq(pattern.slice(open + 1, close), offset + open);
  if ('error' in seq) return seq;
  const tailExp = expandRanges(tail, offset + close + 1);
  if ('error' in tailExp) return tailExp;
  if (seq.items.length * tailExp.hosts.length > MAX_RANGE_HOSTS) {
    return rangeError(`range expands to more than ${MAX_RANGE_HOSTS} hosts`, offset + open);
  }
  const hosts: string[] = [];
  for (const item of seq.items) for (const t of tailExp.hosts) hosts.push(head + item + t);
  return { hosts };
}

function rangeSeq(body: string, at: number): { items: string[] } | { error: HostKeyError } {
  const hint = 'ranges are [begin:end] or [begin:end:step], e.g. node[01:50], node[01:50:2], rack[a:f]';
  const bounds = body.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) return rangeError(`host range "[${body}]" must be begin:end or begin:end:step`, at, hint);
  const beg = bounds[0] === '' ? '0' : bounds[0]!;
  const end = bounds[1]!;
  const stepText = bounds[2] ?? '1';
  if (end === '') return rangeError(`host range "[${body}]" must specify an end value`, at, hint);
  if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1) return rangeError(`host range step "${stepText}" must be a positive integer`, at, hint);
  const step = Number(stepText);
  const ib = LETTERS.indexOf(beg);
  const ie = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && ib >= 0 && ie >= 0) {
    if (ib > ie) return rangeError(`host range "[${body}]" must have begin <= end`, at, hint);
    const items: string[] = [];
    for (let i = ib; i <= ie; i += step) items.push(LETTERS[i]!);
    return { items };
  }
  if (!/^[0-9]+$/.test(beg) || !/^[0-9]+$/.test(end)) {
    return rangeError(`host range "[${body}]" mixes letters and numbers or is not a range`, at, hint);
  }
  let width = 0;
  if (beg.length > 1 && beg.startsWith('0')) {
    if (beg.length !== end.length) return rangeError(`host range "[${body}]" must use equal-length begin and end when zero-padded`, at, hint);
    width = beg.length;
  }
  const b = Number(beg);
  const e = Number(end);
  // Ansible silently yields no hosts here; an empty group from a typo is worse than an error.
  if (b > e) return rangeError(`host range "[${body}]" must have begin <= end`, at, hint);
  if ((e - b) / step + 1 > MAX_RANGE_HOSTS) return rangeError(`range expands to more than ${MAX_RANGE_HOSTS} hosts`, at);
  const items: string[] = [];
  for (let i = b; i <= e; i += step) items.push(width ? String(i).padStart(width, '0') : String(i));
  return { items };
}

function rangeError(message: string, at: number, hint?: string): { error: HostKeyError } {
  return { error: { code: 'inventory.badRange', message, at, hint } };
}
