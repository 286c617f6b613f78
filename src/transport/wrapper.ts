// Builds the remote command lines: the process-group wrapper around a user command, sudo, and the group kill.
import { randomBytes } from 'node:crypto';
import type { BecomeSpec } from './connection.js';
import { exportsFor, shq } from './sh.js';

/**
 * How a command runs on the host (all POSIX sh, no bash):
 *
 *   exec [sudo ... --] /bin/sh -c W fleetsweep CMD
 *   W:  if this sh already leads its own process group:   MARK; export ENV...; exec /bin/sh -c "$1"
 *       else (e.g. under sudo):  setsid /bin/sh -c INNER fleetsweep "$1" <&3 &  ; wait $!
 *   INNER: MARK; export ENV...; exec /bin/sh -c "$1"          MARK = printf '\036FSPG:<nonce>:<$$>\n' >&2
 *
 * The marker names the process group that a deadline kills; it goes to stderr before the command runs, so it is
 * always the first thing written there, and the reader strips it.
 *
 * Fast path: sshd makes every session's shell a session (and process group) leader, and the local backend starts
 * its shell detached, so without sudo the login shell's pid already is a group holding the command and everything
 * it starts (unless a child calls setsid itself); exec keeps that pid through W and the command's sh. W checks it
 * (pgrp, field 5 of /proc/$$/stat, read by a builtin: no fork) rather than assuming it. This saves a fork, the
 * setsid binary, one sh and the wait per command. Measured against a plain exec of the same command over a local
 * sshd: the wrapper's extra host CPU went from 1.9 to 1.1 ms and its extra latency from 11 to 4 ms per command
 * (`sh -c` in a loop: 4.0 -> 2.6 ms CPU, 10 -> 5 ms; see docs/performance.md).
 *
 * Otherwise (sudo runs W as its child, inside sudo's group; no /proc): `setsid` from a background job (not a group
 * leader, since non-interactive sh has no job control) does not fork, so INNER's $$ is the id of a new session and
 * process group. The explicit `<&3` keeps the channel's stdin (POSIX would give an async list /dev/null). Without
 * setsid on the host we exec instead and the marker names the pid (the kill falls back to it).
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
  const mark = `printf '\\036FSPG:${nonce}:%s\\n' "$$" >&2; ${exportsFor(opts.env)}exec /bin/sh -c "$1"`;
  const inner = shq(mark);
  const w = [
    'read -r _ _ _ _ g _ 2>/dev/null </proc/$$/stat',
    `if [ "$g" = "$$" ]; then ${mark}; fi`,
    'exec 3<&0 0</dev/null',
    'if command -v setsid >/dev/null 2>&1; then',
    `setsid /bin/sh -c ${inner} fleetsweep "$1" 0<&3 3<&- &`,
    'exec 3<&-',
    'wait "$!" 2>/dev/null',
    'else',
    `exec /bin/sh -c ${inner} fleetsweep "$1" 0<&3 3<&-`,
    'fi',
  ].join('\n');
  const prompt = opts.become?.password !== undefined ? `[fleetsweep-sudo-${nonce}]` : undefined;
  return { line: `exec ${becomePrefix(opts.become, prompt)}/bin/sh -c ${shq(w)} fleetsweep ${shq(command)}`, nonce, ...(prompt ? { prompt } : {}) };
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
