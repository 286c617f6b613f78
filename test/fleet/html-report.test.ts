// The sweep's HTML report in a real headless browser (Debian's chromium driven by playwright-core): it
// renders with no external request, its numbers match the JSON report, the host filter works, hostile
// names stay text, and it fits a phone's width.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fleetUnavailableReason, startFleet, type Fleet } from './harness.js';
import { runCli } from '../helpers/cli.js';
import type { SweepReport } from '../../src/model/sweep.js';

// page.evaluate callbacks run in the browser; the project compiles without the DOM library
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
type HTMLElement = { hidden: boolean };

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PLAYBOOK = fileURLToPath(new URL('../../../test/fixtures/sweep/stale-locks.yml', import.meta.url));
const HOSTILE = '<img src=x onerror=window.__pwned=1>.lock';

let fleet: Fleet;
let browser: Browser;
let report: SweepReport;
let htmlUrl: string;
let work: string;

/** Installs Debian's chromium when it is missing (CI's .ci/run does it too). */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-q', 'chromium'], { encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe'] });
  assert.ok(existsSync(CHROMIUM), `chromium is needed at ${CHROMIUM} (apt-get install chromium): ${r.stderr ?? ''}`);
}

before(async () => {
  ensureChromium();
  assert.equal(await fleetUnavailableReason(), undefined);
  fleet = await startFleet({ count: 3, firstAddress: '127.0.5.11', namePrefix: 'sweephtml' });
  work = mkdtempSync(join(tmpdir(), 'fs-sweep-html-'));
  const state = join(work, 'state');
  const sh = async (node: string, cmd: string) => assert.equal((await fleet.exec(fleet.node(node), cmd)).exitCode, 0, cmd);
  await sh('node1', `mkdir -p /var/tmp/fleetsweep-locks && echo 999999 > '/var/tmp/fleetsweep-locks/${HOSTILE}' && echo 1 > /var/tmp/fleetsweep-locks/live.lock`);
  await sh('node2', 'mkdir -p /var/tmp/fleetsweep-locks /var/tmp/fleetsweep-marks && echo 999998 > /var/tmp/fleetsweep-locks/b.lock && echo /gone > /var/tmp/fleetsweep-marks/m1');
  await fleet.stop(fleet.node('node3'));
  const args = ['sweep', PLAYBOOK, '-i', fleet.inventoryPath, '--state-dir', state, '--connect-timeout', '3s'];
  const first = await runCli([...args, '--mode', 'report'], { timeoutMs: 120_000 });
  assert.equal(first.code, 10, first.stderr);
  const r = await runCli([...args, '--mode', 'fix', '--report', `json=${work}/sweep.json`, '--report', `html=${work}/sweep.html`], { timeoutMs: 120_000 });
  assert.equal(r.code, 13, `fixed everything it reached, node3 was down: ${r.stdout}\n${r.stderr}`);
  report = JSON.parse(readFileSync(join(work, 'sweep.json'), 'utf8')) as SweepReport;
  htmlUrl = pathToFileURL(join(work, 'sweep.html')).href;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(async () => {
  await browser?.close();
  await fleet?.close();
  // FLEETSWEEP_KEEP_TMP=1 keeps the report and the phone screenshot (sweep-phone.png) to look at
  if (work && !process.env.FLEETSWEEP_KEEP_TMP) rmSync(work, { recursive: true, force: true });
});

async function open(viewport = { width: 1280, height: 900 }): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (q) => requests.push(q.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(htmlUrl);
  return { page, requests, errors };
}

const num = (s: string | null) => Number((s ?? '').replace(/,/g, ''));

describe('the HTML report in chromium', () => {
  test('it renders from the one file: no request elsewhere, no script error, the summary on top', async () => {
    const { page, requests, errors } = await open();
    assert.match(await page.title(), new RegExp(report.sweepId));
    assert.deepEqual(requests, [htmlUrl]);
    assert.deepEqual(errors, []);
    assert.equal(await page.locator('#status').getAttribute('data-exit-code'), '13');
    const firstSection = await page.evaluate(() => document.querySelector('main section')?.id);
    assert.equal(firstSection, 'summary');
    await page.close();
  });

  test('the numbers on the page are the JSON report\'s', async () => {
    const { page } = await open();
    const cards: Record<string, number> = {
      scanned: report.coverage.scanned, targeted: report.coverage.targeted, unreachable: report.coverage.unreachable, hung: report.coverage.hung,
      failed: report.coverage.failed, found: report.totals.found, fixed: report.totals.fixed, unfixed: report.totals.unfixed,
      'hosts-with-residue': report.totals.hostsWithResidue, new: report.totals.new, gone: report.totals.gone, errors: report.errors.length,
    };
    for (const [m, want] of Object.entries(cards)) assert.equal(num(await page.locator(`[data-metric="${m}"]`).textContent()), want, m);
    assert.equal(report.totals.fixed, 3);
    assert.equal(report.coverage.unreachable, 1);
    for (const [kind, k] of Object.entries(report.byKind)) {
      for (const f of ['found', 'fixed', 'unfixed', 'hosts', 'new', 'gone'] as const) {
        assert.equal(num(await page.locator(`tr[data-kind-row="${kind}"] td[data-field="${f}"]`).textContent()), k[f], `${kind} ${f}`);
      }
    }
    assert.equal(await page.locator('#residue tbody tr').count(), report.residue.length);
    assert.equal(await page.locator('#actions article.action').count(), report.residue.filter((x) => x.action).length);
    assert.equal(await page.locator('#unscanned tbody tr').count(), Object.values(report.hosts).filter((h) => h.state !== 'scanned').length);
    assert.equal(await page.locator('#unscanned tbody tr').first().getAttribute('data-host'), 'node3');
    // a fixed item shows its snapshot and the command that undoes it
    const b = report.residue.find((x) => x.item === 'b.lock')!;
    const action = page.locator('#actions article.action[data-host="node2"]').filter({ hasText: 'b.lock' });
    assert.ok((await action.locator('code.cli').textContent())!.includes(b.action!.rollbackCommand));
    await action.locator('summary').click();
    assert.equal((await action.locator('pre').textContent())?.trim(), b.action!.snapshot);
    await page.close();
  });

  test('the host filter keeps only the matching hosts\' rows and updates the counts', async () => {
    const { page } = await open();
    const visibleHosts = () => page.$$eval('#residue tbody tr', (rows) => rows.filter((r) => !(r as HTMLElement).hidden).map((r) => r.getAttribute('data-host')));
    assert.equal((await visibleHosts()).length, report.residue.length);
    await page.fill('#host-filter', 'node2');
    const shown = await visibleHosts();
    assert.deepEqual(shown, report.residue.filter((x) => x.host.includes('node2')).map((x) => x.host));
    assert.ok(shown.length > 0 && shown.length < report.residue.length);
    assert.equal(num(await page.locator('[data-count-for="residue"]').textContent()), shown.length);
    assert.equal(await page.locator('#unscanned tbody tr[data-host="node3"]').isVisible(), false);
    assert.match((await page.locator('#filter-count').textContent()) ?? '', /rows match/);
    await page.fill('#host-filter', 'no-such-host');
    assert.deepEqual(await visibleHosts(), []);
    await page.fill('#host-filter', '');
    assert.equal((await visibleHosts()).length, report.residue.length);
    assert.equal(num(await page.locator('[data-count-for="residue"]').textContent()), report.residue.length);
    await page.close();
  });

  test('a hostile item name is shown as text and runs nothing', async () => {
    const { page } = await open();
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator('img').count(), 0);
    const cells = await page.$$eval('#residue tbody tr td[data-label="Item"]', (tds) => tds.map((td) => td.textContent));
    assert.ok(cells.includes(HOSTILE), cells.join(' | '));
    await page.close();
  });

  test('on a phone-sized screen nothing is wider than the screen', async () => {
    const { page } = await open({ width: 390, height: 844 });
    const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= inner, `page is ${scroll}px wide on a ${inner}px screen`);
    assert.equal(await page.locator('#residue thead').isVisible(), false, 'rows become cards');
    await page.screenshot({ path: join(work, 'sweep-phone.png'), fullPage: true });
    await page.close();
  });
});
