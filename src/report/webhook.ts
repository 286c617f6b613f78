// POSTs the sweep summary to a user's URL: per-attempt timeout, retries with backoff, never fails the sweep.
import type { SweepReport } from '../model/sweep.js';

export interface WebhookOptions {
  /** deadline of one attempt */
  timeoutMs: number;
  /** attempts after the first */
  retries: number;
  /** first backoff; doubles each retry */
  backoffMs: number;
  /** extra headers (e.g. Authorization from the environment) */
  headers?: Record<string, string>;
  /** aborts everything: the sweep is done waiting */
  signal?: AbortSignal;
  userAgent?: string;
}

export interface WebhookResult {
  ok: boolean;
  attempts: number;
  /** the last HTTP status, when a response came */
  status?: number;
  error?: string;
}

/** 5xx, 408 and 429 are worth another try; any other 4xx will not get better. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export async function postWebhook(url: string, body: unknown, o: WebhookOptions): Promise<WebhookResult> {
  const payload = JSON.stringify(body);
  let last: WebhookResult = { ok: false, attempts: 0, error: 'not sent' };
  for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
    if (o.signal?.aborted) return { ...last, error: `gave up: ${last.error ?? `HTTP ${last.status}`}` };
    const signals = [AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])];
    try {
      const res = await fetch(url, {
        method: 'POST', body: payload, redirect: 'error', signal: AbortSignal.any(signals),
        headers: { 'content-type': 'application/json', 'user-agent': o.userAgent ?? 'fleetsweep', ...o.headers },
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: attempt, status: res.status };
      last = { ok: false, attempts: attempt, status: res.status, error: `HTTP ${res.status}` };
      if (!retryable(res.status)) return last;
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : e.name === 'AbortError' ? 'aborted' : String((e.cause as Error | undefined)?.message ?? e.message);
      last = { ok: false, attempts: attempt, error: why };
    }
    if (attempt <= o.retries) await sleep(o.backoffMs * 2 ** (attempt - 1), o.signal);
  }
  return last;
}

/** What the webhook receives: the summary without per-item outputs, lists capped so the body stays small. */
export function webhookPayload(r: SweepReport, cap = 200): Record<string, unknown> {
  const unscanned = Object.entries(r.hosts).filter(([, h]) => h.state !== 'scanned').map(([host, h]) => ({ host, state: h.state, reason: h.reason ?? null }));
  const slim = (x: SweepReport['residue'][number]) => ({ host: x.host, kind: x.kind, item: x.item, state: x.state, change: x.change ?? null, detail: x.detail ?? null });
  return {
    event: 'fleetsweep.sweep', sweepId: r.sweepId, mode: r.mode, status: r.status, exitCode: r.exitCode,
    inventory: r.inventory, inventoryKey: r.inventoryKey, shard: r.shard, startedAt: r.startedAt, endedAt: r.endedAt, durationMs: r.durationMs,
    coverage: r.coverage, totals: r.totals, byKind: r.byKind,
    unscanned: unscanned.slice(0, cap), unscannedTruncated: unscanned.length > cap,
    residue: r.residue.slice(0, cap).map(slim), residueTruncated: r.residue.length > cap,
    gone: r.diff.gone.slice(0, cap), previous: r.diff.previous,
  };
}

/** Whether this sweep warrants a POST: `findings` = any residue; `new` = residue not seen by the previous sweep. */
export type WebhookWhen = 'findings' | 'new' | 'always';

export function webhookWanted(r: SweepReport, when: WebhookWhen): boolean {
  switch (when) {
    case 'always': return true;
    case 'findings': return r.residue.length > 0;
    case 'new': return r.residue.some((x) => x.change === 'new' || (!r.diff.previous));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}
