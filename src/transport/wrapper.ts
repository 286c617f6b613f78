// Builds the remote command lines: the process-group wrapper around a user command, sudo, and the group kill.
import { randomBytes } from 'node:crypto';
import type { BecomeSpec } from './connection.js';
import { exportsFor, shq } from './sh.js';

/**
 * How a command runs on the host (all POSIX sh, no bash):
 *
 *   exec [sudo ... --] /bin/sh -c W
 *   W:  setsid /bin/sh -c INNER fleetsweep CMD <&3 &  ; wait $!
 *   INNER: printf '\036FSPG:<nonce>:<$$>\n' >&2; export ENV...; exec /bin/sh -c "$1"
 *
 * `setsid` from a background job (not a group leader, since non-interactive sh has no job control) does not
 * fork, so INNER's $$ is the id of a new session and process group holding the command and everything it
 * starts (unless a child calls setsid itself). The marker line goes to stderr before the command runs, so it
 * is always the first thing INNER writes; the reader strips it. The explicit `<&3` keeps the channel's stdin
 * (POSIX would give an async list /dev/null). Without setsid on the host we exec instead: sshd already made
 * the session shell a session leader, so $$ is still the group id when there is no sudo in between.
 * The wrapper runs *inside* sudo so that the group belongs to the become user, who can then kill it.
 */
export interface WrappedCommand {
  /** the line to hand to the remote login shell (or to local /bin/sh -c) */
  line: string;
  nonce: string;
  /** the sudo prompt to answer with the password, when a password is given */
  prompt?: string;
}

export function newNonce(): string {
  return randomBytes(6).toString('hex');
}

export function wrapCommand(command: string, opts: { env?: Record<string, string>; become?: BecomeSpec; nonce?: string }): WrappedCommand {
  const nonce = opts.nonce ?? newNonce();
  const inner = `printf '\\036FSPG:${nonce}:%s\\n' "$$" >&2; ${exportsFor(opts.env)}exec /bin/sh -c "$1"`;
  const args = `${shq(inner)} fleetsweep ${shq(command)} 0<&3 3<&-`;
  const w = [
    'exec 3<&0 0</dev/null',
    'if command -v setsid >/dev/null 2>&1; then',
    `setsid /bin/sh -c ${args} &`,
    'exec 3<&-',
    'wait "$!" 2>/dev/null',
    'else',
    `exec /bin/sh -c ${args}`,
    'fi',
  ].join('\n');
  const prompt = opts.become?.password !== undefined ? `[fleetsweep-sudo-${nonce}]` : undefined;
  return { line: `exec ${becomePrefix(opts.become, prompt)}/bin/sh -c ${shq(w)}`, nonce, ...(prompt ? { prompt } : {}) };
}

/**
 * `sudo -n` fails at once ("a password is required", rc 1) instead of waiting for a password nobody will
 * type. With a password, `-S` reads it from stdin after the prompt; the prompt is unique so it can be
 * recognised and removed from stderr, and the password is only sent when sudo actually asks (a NOPASSWD
 * rule or a cached credential would otherwise pass it to the command's stdin).
 */
export function becomePrefix(become: BecomeSpec | undefined, prompt?: string): string {
  if (!become) return '';
  const user = shq(become.user);
  return become.password === undefined ? `sudo -n -u ${user} -- ` : `sudo -S -p ${shq(prompt ?? '')} -u ${user} -- `;
}

/** TERM the group, give it a second to exit, then KILL what is left. Falls back to the single pid. */
export function killScript(pgid: number): string {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) throw new RangeError(`refusing to kill process group ${pgid}`);
  const p = String(pgid);
  if (!/^[0-9]+$/.test(p)) throw new RangeError(`bad process group ${p}`);
  return [
    `kill -s TERM -- -${p} 2>/dev/null || kill -s TERM ${p} 2>/dev/null || exit 0`,
    'i=0',
    'while [ "$i" -lt 10 ]; do',
    `kill -s 0 -- -${p} 2>/dev/null || exit 0`,
    'sleep 0.1 2>/dev/null || sleep 1',
    'i=$((i+1))',
    'done',
    `kill -s KILL -- -${p} 2>/dev/null || kill -s KILL ${p} 2>/dev/null`,
    'exit 0',
  ].join('\n');
}

/** The kill line, as the become user when there is one (root-owned processes need root to kill them). With a password, it is written to stdin up front: the script ignores stdin if sudo does not ask. */
export function killLine(pgid: number, become?: BecomeSpec): string {
  return `exec ${becomePrefix(become, '')}/bin/sh -c ${shq(killScript(pgid))}`;
}
