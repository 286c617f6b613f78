// The command lifecycle shared by ssh and local: wrap, stream with caps, answer sudo, kill the group at the deadline.
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { CommandResult } from '../model/outcome.js';
import { FleetError } from '../errors/fleet-error.js';
import type { BecomeSpec, ExecOptions } from './connection.js';
import { CappedBuffer, DEFAULT_MAX_OUTPUT, StderrFilter } from './output.js';
import { isEnvName } from './sh.js';
import { wrapCommand } from './wrapper.js';

/** One running command as the transport sees it: an ssh channel or a local child. */
export interface Proc {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** settles once the command is over: its exit code or signal; rejects with UnreachableError when the connection was lost */
  done: Promise<ExitInfo>;
  /** drops our end at once (closes the channel / SIGKILLs the local wrapper) */
  destroy(): void;
}

export interface ExitInfo {
  code: number | null;
  /** signal name with or without the SIG prefix */
  signal: string | null;
}

export interface Backend {
  open(line: string): Promise<Proc>;
  /** kills process group `pgid` as the become user; best effort, the caller bounds the time it may take */
  killGroup(pgid: number, become: BecomeSpec | undefined): Promise<void>;
}

export interface KillTiming {
  /** how long the kill itself may take (opening the kill channel on a frozen host may never finish) */
  killBudgetMs: number;
  /** after the kill, how long to wait for the command's channel to close on its own */
  closeGraceMs: number;
}

export const DEFAULT_KILL_TIMING: KillTiming = { killBudgetMs: 5000, closeGraceMs: 2000 };

export function signalToRc(signal: string | null): number | null {
  if (!signal) return null;
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof osConstants.signals;
  const n = osConstants.signals[name];
  return typeof n === 'number' ? 128 + n : null;
}

export function validateExecOptions(opts: ExecOptions): void {
  for (const name of Object.keys(opts.env ?? {})) {
    if (!isEnvName(name)) throw new FleetError('transport.badEnvName', `invalid environment variable name ${JSON.stringify(name)}`);
  }
  if (!(opts.timeoutMs > 0)) throw new FleetError('transport.badTimeout', `command timeout must be positive, got ${opts.timeoutMs}`);
}

/** `p`'s value, or undefined after `ms` (the timer is cleared either way, so nothing lingers). */
function valueWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); });
  return Promise.race([p.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
const within = (p: Promise<unknown>, ms: number): Promise<void> => valueWithin(p, ms).then(() => undefined);

function ended(s: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (s.readableEnded || s.destroyed) return resolve();
    s.once('end', resolve).once('close', resolve).once('error', () => resolve());
  });
}

export async function runWrapped(backend: Backend, command: string, opts: ExecOptions, timing: KillTiming = DEFAULT_KILL_TIMING): Promise<CommandResult> {
  validateExecOptions(opts);
  const started = performance.now();
  const cap = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const out = new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  const result = (rc: number | null, timedOut: boolean): CommandResult => ({
    rc,
    stdout: out.text(),
    stderr: err.text(),
    durationMs: Math.round(performance.now() - started),
    timedOut,
    truncated: out.truncated || err.truncated,
  });
  if (opts.signal?.aborted) return result(null, true);

  const w = wrapCommand(command, { env: opts.env, become: opts.become });

  return new Promise<CommandResult>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    let proc: Proc | undefined;
    let pgid: number | undefined;
    let markerResolve: (id: number) => void = () => {};
    const markerSeen = new Promise<number>((r) => { markerResolve = r; });

    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onDeadline);
    };
    const finish = (r: CommandResult) => { if (!settled) { cleanup(); resolve(r); } };
    const fail = (e: unknown) => { if (!settled) { cleanup(); reject(e); } };

    const filter = new StderrFilter(w.nonce, w.prompt, (b) => err.push(b), {
      prompt: (n) => {
        if (!proc) return;
        // a second prompt means the password was wrong: EOF makes sudo give up instead of waiting
        if (n === 1 && opts.become?.password !== undefined && !timedOut) proc.stdin.write(`${opts.become.password}\n`);
        else proc.stdin.end();
      },
      marker: (id) => {
        pgid = id;
        markerResolve(id);
        if (!proc) return;
        if (opts.stdin && !timedOut) proc.stdin.write(opts.stdin);
        proc.stdin.end();
      },
    });

    const attach = (p: Proc) => {
      proc = p;
      p.stdin.on('error', () => {}); // EPIPE when the command exits without reading its stdin
      p.stdout.on('data', (b: Buffer) => out.push(b));
      p.stderr.on('data', (b: Buffer) => filter.push(b));
      Promise.all([p.done, ended(p.stdout), ended(p.stderr)]).then(
        ([exit]) => {
          if (timedOut) return;
          filter.end();
          // Under become, the wrapper prints its marker before the command runs. No marker: sudo refused (no
          // password, wrong password, not allowed) or is missing, and the command never started. Its own exit code
          // (sudo's 1) must not pass for the command's: a contract check would read 1 as "nothing to do".
          if (opts.become && pgid === undefined) return finish(result(null, false));
          finish(result(exit.code ?? signalToRc(exit.signal), false));
        },
        (e) => { if (!timedOut) fail(e); },
      );
    };

    const opening = backend.open(w.line);
    opening.then(
      (p) => {
        if (settled) return lateKill(backend, p, w.nonce, opts.become, timing.killBudgetMs);
        if (!proc) attach(p);
      },
      (e) => { if (!timedOut) fail(e); },
    );

    // Deadline or abort: kill the group, all within the kill budget, so a frozen host still yields a result.
    async function onDeadline(): Promise<void> {
      if (settled || timedOut) return;
      timedOut = true;
      const budgetEnd = performance.now() + timing.killBudgetMs;
      const left = () => Math.max(0, budgetEnd - performance.now());
      const p = proc ?? (await valueWithin(opening, left()));
      if (p) {
        if (!proc) attach(p);
        const id = pgid ?? (await valueWithin(markerSeen, left()));
        if (id !== undefined) await within(backend.killGroup(id, opts.become), left());
        await within(p.done, timing.closeGraceMs);
        p.destroy();
      }
      filter.end();
      finish(result(null, true));
    }
    const timer = setTimeout(() => void onDeadline(), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onDeadline, { once: true });
  });
}

/** A channel that opened after its command's result was given up: kill what it started, then drop it. */
function lateKill(backend: Backend, p: Proc, nonce: string, become: BecomeSpec | undefined, ms: number): void {
  p.stdout.resume();
  p.stdin.on('error', () => {});
  p.stdin.end(); // a sudo waiting for a password gives up on EOF
  const timer = setTimeout(() => p.destroy(), ms);
  const f = new StderrFilter(nonce, undefined, () => {}, {
    marker: (id) => {
      clearTimeout(timer);
      void within(backend.killGroup(id, become), ms).then(() => p.destroy());
    },
  });
  p.stderr.on('data', (b: Buffer) => f.push(b));
  p.done.catch(() => {});
}

/** Runs an already opened kill line to its end: stdin gets the sudo password when there is one, then EOF. */
export async function runKill(opening: Promise<Proc>, become: BecomeSpec | undefined): Promise<void> {
  const p = await opening;
  p.stdout.resume();
  p.stderr.resume();
  p.stdin.on('error', () => {});
  if (become?.password !== undefined) p.stdin.write(`${become.password}\n`);
  p.stdin.end();
  await p.done.catch(() => {});
}
