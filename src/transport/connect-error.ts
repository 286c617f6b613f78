// Turns ssh2/socket errors into an UnreachableError with a short, actionable message (never a secret).
import { UnreachableError } from './connection.js';
import type { UnreachableReason } from '../model/outcome.js';

export interface ErrorContext {
  /** "user@address:port" */
  dest: string;
  /** what authentication was tried, e.g. "ssh-agent, key ~/.ssh/id_ed25519" */
  tried: string;
  connectTimeoutMs: number;
  /** " via jump host X" or '' */
  via: string;
}

interface SshLikeError extends Error {
  code?: string;
  level?: string;
}

export function classify(e: unknown): UnreachableReason {
  if (e instanceof UnreachableError) return e.reason;
  const err = e as SshLikeError;
  const code = err?.code ?? '';
  const msg = String(err?.message ?? e);
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || err?.level === 'client-dns') return 'dns';
  if (['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN'].includes(code) || err?.level === 'client-timeout' || /timed out/i.test(msg)) return 'timeout';
  if (err?.level === 'client-authentication' || err?.level === 'agent' || /authentication methods failed/i.test(msg)) return 'auth';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /connection lost|no response from server|not connected/i.test(msg)) return 'closed';
  return 'other';
}

export function toUnreachable(e: unknown, ctx: ErrorContext): UnreachableError {
  if (e instanceof UnreachableError) return e;
  const reason = classify(e);
  const err = e as SshLikeError;
  const detail = String(err?.message ?? e);
  const msg = ((): string => {
    switch (reason) {
      case 'refused':
        return `connection refused by ${ctx.dest}${ctx.via} (is sshd listening on that port?)`;
      case 'dns':
        return `cannot resolve the host name of ${ctx.dest}${ctx.via} (${err?.code ?? detail})`;
      case 'timeout':
        return err?.code && err.code !== 'ETIMEDOUT'
          ? `${ctx.dest}${ctx.via} is unreachable (${err.code})`
          : `no ssh handshake with ${ctx.dest}${ctx.via} within ${ctx.connectTimeoutMs} ms`;
      case 'auth':
        return `authentication failed for ${ctx.dest}${ctx.via} (tried: ${ctx.tried || 'nothing'}); check the user and that the key is in authorized_keys`;
      case 'closed':
        return `connection to ${ctx.dest}${ctx.via} was closed by the peer (${detail})`;
      default:
        return `cannot connect to ${ctx.dest}${ctx.via}: ${detail}`;
    }
  })();
  return new UnreachableError(reason, msg, e);
}
