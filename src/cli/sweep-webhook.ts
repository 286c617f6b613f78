// The optional webhook: started as soon as the sweep's summary exists, awaited at the very end for a bounded time.
import { createRequire } from 'node:module';
import type { SweepReport } from '../model/sweep.js';
import type { SweepLog } from '../report/sweep-log.js';
import { postWebhook, webhookPayload, webhookWanted, type WebhookResult, type WebhookWhen } from '../report/webhook.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export interface WebhookFlags {
  webhook?: string;
  webhookOn: WebhookWhen;
  webhookTimeout: number;
  webhookRetries: number;
  /** the longest the sweep waits for the webhook after everything else is done */
  webhookWait: number;
}

export interface PendingWebhook {
  /** resolves within `webhookWait`; gives up (aborting the request) after that */
  settle(): Promise<WebhookResult | undefined>;
}

export function startWebhook(r: SweepReport, f: WebhookFlags, log: SweepLog): PendingWebhook {
  if (!f.webhook || !webhookWanted(r, f.webhookOn)) return { settle: async () => undefined };
  const url = f.webhook;
  const stop = new AbortController();
  const auth = process.env.FLEETSWEEP_WEBHOOK_AUTHORIZATION;
  const pending = postWebhook(url, webhookPayload(r), {
    timeoutMs: f.webhookTimeout, retries: f.webhookRetries, backoffMs: 1000, signal: stop.signal,
    userAgent: `fleetsweep/${pkg.version}`, ...(auth ? { headers: { authorization: auth } } : {}),
  });
  // the URL may carry a token in its query: log only where it goes
  const where = safeUrl(url);
  return {
    async settle() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((res) => { timer = setTimeout(() => res(undefined), f.webhookWait); });
      const res = await Promise.race([pending, timeout]);
      clearTimeout(timer);
      if (!res) {
        stop.abort();
        log.line(`webhook ${where}: no success within ${f.webhookWait} ms; given up (the sweep's result stands)`);
        process.stderr.write(`fleetsweep: webhook ${where} did not succeed within ${f.webhookWait} ms; given up\n`);
        return undefined;
      }
      if (res.ok) log.line(`webhook ${where}: HTTP ${res.status} after ${res.attempts} attempt(s)`);
      else {
        log.line(`webhook ${where}: failed after ${res.attempts} attempt(s): ${res.error}`);
        process.stderr.write(`fleetsweep: webhook ${where} failed after ${res.attempts} attempt(s): ${res.error}\n`);
      }
      return res;
    },
  };
}

function safeUrl(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return '<url>';
  }
}
