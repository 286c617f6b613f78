// The webhook against a local HTTP server on 127.0.0.1: success, retries with backoff, no retry on 4xx, timeouts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postWebhook, webhookPayload, webhookWanted } from '../../../src/report/webhook.js';
import { host, item, run, sweep, task } from './sweep-fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server;
let url: string;
let handler: Handler;
const received: { body: string; headers: IncomingMessage['headers'] }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      received.push({ body, headers: req.headers });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const opts = { timeoutMs: 500, retries: 3, backoffMs: 10 };
const reply = (status: number): Handler => (_q, res) => { res.statusCode = status; res.end('x'); };

describe('postWebhook', () => {
  test('a 2xx on the first attempt is success, with the JSON body and headers', async () => {
    received.length = 0;
    handler = reply(204);
    const r = await postWebhook(url, { hello: 'world' }, { ...opts, headers: { authorization: 'Bearer t0k' }, userAgent: 'fleetsweep/test' });
    assert.deepEqual(r, { ok: true, attempts: 1, status: 204 });
    assert.deepEqual(JSON.parse(received[0]!.body), { hello: 'world' });
    assert.equal(received[0]!.headers['content-type'], 'application/json');
    assert.equal(received[0]!.headers.authorization, 'Bearer t0k');
    assert.equal(received[0]!.headers['user-agent'], 'fleetsweep/test');
  });

  test('5xx and 429 are retried until a success', async () => {
    received.length = 0;
    const codes = [503, 429, 500, 200];
    handler = (q, res, b) => reply(codes.shift()!)(q, res, b);
    const r = await postWebhook(url, {}, opts);
    assert.deepEqual(r, { ok: true, attempts: 4, status: 200 });
    assert.equal(received.length, 4);
  });

  test('a 4xx is not retried', async () => {
    received.length = 0;
    handler = reply(400);
    const r = await postWebhook(url, {}, opts);
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 1);
    assert.equal(r.status, 400);
  });

  test('a server that never answers costs at most (retries + 1) timeouts, then gives up', async () => {
    received.length = 0;
    handler = () => undefined; // never answers
    const t0 = Date.now();
    const r = await postWebhook(url, {}, { timeoutMs: 100, retries: 2, backoffMs: 10 });
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 3);
    assert.match(r.error ?? '', /no answer within 100 ms/);
    assert.ok(Date.now() - t0 < 5_000);
    server.closeAllConnections();
  });

  test('a refused connection is retried and reported', async () => {
    const r = await postWebhook('http://127.0.0.1:9/nothing', {}, { timeoutMs: 500, retries: 1, backoffMs: 10 });
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 2);
    assert.ok(r.error);
  });

  test('aborting stops the retries at once', async () => {
    handler = reply(503);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const r = await postWebhook(url, {}, { timeoutMs: 500, retries: 50, backoffMs: 1_000, signal: stop.signal });
    assert.equal(r.ok, false);
    assert.ok(r.attempts < 5);
  });
});

describe('what is sent and when', () => {
  const found = sweep('report', [{ path: 'pb.yml', kinds: new Map([['0/1', 'stale-lock']]), result: run('R1', [host('n1', 'would-change'), host('n2', 'unreachable', 'refused')], [task('n1', 0, 1, 'rm', 'would-change', [item('a', 'found')])]) }]);
  const clean = sweep('report', [{ path: 'pb.yml', kinds: new Map([['0/1', 'stale-lock']]), result: run('R1', [host('n1', 'ok')], []) }]);

  test('the payload is the summary: status, coverage, totals, residue and unscanned hosts, no command output', () => {
    const p = webhookPayload(found);
    assert.equal(p.status, 'residue-found');
    assert.equal(p.exitCode, 10);
    assert.deepEqual(p.residue, [{ host: 'n1', kind: 'stale-lock', item: 'a', state: 'found', change: 'new', detail: 'stale' }]);
    assert.deepEqual(p.unscanned, [{ host: 'n2', state: 'unreachable', reason: 'refused' }]);
    assert.equal(JSON.stringify(p).includes('phases'), false);
  });

  test('findings: only when there is residue; always: every sweep', () => {
    assert.equal(webhookWanted(found, 'findings'), true);
    assert.equal(webhookWanted(clean, 'findings'), false);
    assert.equal(webhookWanted(clean, 'always'), true);
    const still = sweep('report', [{ path: 'pb.yml', kinds: new Map([['0/1', 'stale-lock']]), result: run('R2', [host('n1', 'would-change')], [task('n1', 0, 1, 'rm', 'would-change', [item('a', 'found')])]) }], { previous: found });
    assert.equal(webhookWanted(still, 'new'), false, 'the same residue as last time is not news');
    assert.equal(webhookWanted(found, 'new'), true);
  });
});
