/**
 * Issue 15, point 1, in headless Chromium: freshness you can see. A gateway streams from the
 * emulator's org; during a `maintenance` fault (Genesys sends nothing) the wallboard says "No
 * Genesys events for N s", dims and stops its timers, and clears when events come back. With the
 * gateway gone it says so and offers "Retry now", and a gateway back on the same port is
 * rejoined at once, not after the backoff.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import {
  axeProblems,
  eventually,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
} from '../support/browser.js';
import { startCli, stopCli } from '../support/cli.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

async function streamGateway(dataDir: string, emuUrl: string, port = 0): Promise<Gateway> {
  return startGateway(
    testConfig(dataDir, {
      server: { port },
      genesys: { apiBase: emuUrl, clientId: 'demo-client', clientSecret: 'demo-secret' },
      source: { demo: false, mode: 'stream' },
      live: { heartbeatMs: 1000 },
      // No repair run in the middle of the outage: the cells must change only by their timers.
      reconcile: { staleAfterMs: 600_000 },
    }),
    { logger: createLogger('silent'), defaultMetrics: false },
  );
}

/** The timers of the first few agent cells, as shown. */
async function timers(page: Page): Promise<string[]> {
  const all = await page.locator('[data-testid="agent-cell"] .agent-timer').allTextContents();
  return all.slice(0, 8);
}

const attr = (page: Page, testId: string, name: string) =>
  page
    .getByTestId(testId)
    .first()
    .getAttribute(name, { timeout: 2000 })
    .catch(() => null);

/** Waits for the board to say the gateway is gone (dimmed, with "Retry now"); returns the button. */
async function gatewayGone(page: Page) {
  const banner = page.getByTestId('freshness-banner');
  await eventually(
    'the link banner with Retry now',
    async () =>
      (await attr(page, 'freshness-banner', 'data-link')) === 'stale' &&
      (await page.getByTestId('wallboard').getAttribute('data-stale')) === 'true'
        ? true
        : undefined,
    { timeoutMs: 20_000, intervalMs: 250 },
  );
  assert.match((await banner.textContent()) ?? '', /Gateway unreachable/);
  const retry = banner.getByRole('button', { name: 'Retry now' });
  assert.equal(await retry.count(), 1);
  return retry;
}

describe('freshness on the wallboard', () => {
  test('a quiet Genesys and a gone gateway dim the board, stop its timers, and clear', async (t: TestContext) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const emu = await startTestEmulator(t, {
      realtime: true,
      agents: 30,
      queues: 2,
      seed: 5,
      speed: 5,
      heartbeatSec: 5,
    });
    const dataDir = tempDir(t);
    let gw = await streamGateway(dataDir, emu.url);
    let closed = false;
    t.after(async () => {
      if (!closed) await gw.close();
    });
    const stream = gw.sources.find((s) => s.name === 'stream')!;
    await waitFor(() => stream.health().state === 'running', {
      timeoutMs: 15_000,
      what: 'the stream running',
    });
    await gw.reconcile();
    await waitFor(() => stream.health().lastEventAt !== null, {
      timeoutMs: 15_000,
      what: 'a first event from the stream',
    });

    const page = await newPage(browser, t);
    await page.goto(`${gw.url}/`);
    await page.getByTestId('agent-cell').first().waitFor({ timeout: 15_000 });
    const board = page.getByTestId('wallboard');
    assert.equal(await board.getAttribute('data-stale'), 'false');
    assert.equal(await page.getByTestId('freshness-banner').count(), 0);

    // Genesys goes quiet: heartbeats still come from the gateway, with the stream's age growing.
    emu.faults.apply('maintenance', { seconds: 30 });
    const banner = page.getByTestId('freshness-banner');
    await eventually(
      'the source banner',
      async () =>
        (await attr(page, 'freshness-banner', 'data-source')) === 'stale' ? true : undefined,
      { timeoutMs: 25_000, intervalMs: 250 },
    );
    assert.match((await banner.textContent()) ?? '', /No Genesys events for 1\d s/);
    assert.equal(await attr(page, 'freshness-banner', 'data-link'), 'fresh');
    assert.equal(await board.getAttribute('data-stale'), 'true');
    assert.match((await board.getAttribute('class')) ?? '', /wallboard-stale/);
    // The timers stand still while the count in the banner goes on: they stop where they
    // stood when the source went stale, which the next tick (at most 1 s on) shows.
    await page.waitForTimeout(1200);
    const frozen = await timers(page);
    assert.ok(
      frozen.some((x) => x !== ''),
      `timers shown: ${frozen.join()}`,
    );
    await page.waitForTimeout(2500);
    assert.deepEqual(await timers(page), frozen, 'timers stopped');
    assert.match((await banner.textContent()) ?? '', /No Genesys events for (1[7-9]|2\d) s/);
    await screenshot(page, 'freshness-source-quiet');
    // The banner is read in every theme: the desk view, and a room's screen (TV mode, dark).
    const tv = await newPage(browser, t, { width: 1920, height: 1080 });
    await tv.goto(`${page.url().replace(/\/$/, '')}/?tv=1`);
    await tv.getByTestId('freshness-banner').waitFor({ timeout: 15_000 });
    await screenshot(tv, 'freshness-source-quiet-tv');
    const found = [...(await axeProblems(page, 'desk')), ...(await axeProblems(tv, 'tv'))];
    t.diagnostic(`axe: ${JSON.stringify(found)}`);
    assert.deepEqual(
      found.filter((x) => x.includes('freshness-banner')),
      [],
      'the banner meets WCAG contrast',
    );
    await tv.context().close();

    // Events again: the banner goes, the board brightens, the timers run.
    await eventually(
      'the banner to clear after the fault',
      async () => ((await banner.count()) === 0 ? true : undefined),
      { timeoutMs: 40_000, intervalMs: 250 },
    );
    assert.equal(await board.getAttribute('data-stale'), 'false');
    const running = await timers(page);
    await eventually(
      'timers counting again',
      async () =>
        JSON.stringify(await timers(page)) !== JSON.stringify(running) ? true : undefined,
      { timeoutMs: 5_000, intervalMs: 250 },
    );

    // The gateway goes away: the link goes stale, with "Retry now".
    const port = Number(new URL(gw.url).port);
    closed = true;
    await gw.close();
    const retry = await gatewayGone(page);
    await page.waitForTimeout(1200);
    const gone = await timers(page);
    await page.waitForTimeout(2000);
    assert.deepEqual(await timers(page), gone, 'timers stopped while the gateway is gone');
    await screenshot(page, 'freshness-gateway-gone');
    await retry.click(); // nobody answers yet: it goes on waiting
    await page.waitForTimeout(1000);

    // Back on the same port: the page rejoins within a probe or two, not after its backoff.
    gw = await streamGateway(dataDir, emu.url, port);
    closed = false;
    const back = Date.now();
    await eventually(
      'the board fresh again',
      async () => ((await banner.count()) === 0 ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    assert.ok(Date.now() - back < 8000, `rejoined after ${Date.now() - back} ms`);
    assert.equal(await board.getAttribute('data-stale'), 'false');
  });

  test('a gateway process killed with SIGKILL: the board says so at once and rejoins its successor', async (t: TestContext) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const dataDir = tempDir(t);
    const port = await freePort();
    const start = async () =>
      startCli(
        ['start'],
        {
          HOST: '127.0.0.1',
          PORT: String(port),
          SWITCHBOARD_DATA_DIR: dataDir,
          SWITCHBOARD_DEMO: '1',
          EMULATOR_PORT: String(await freePort()),
          GENESYS_CLIENT_ID: '',
          GENESYS_CLIENT_SECRET: '',
        },
        30_000,
      );
    let cli = await start();
    t.after(() => stopCli(cli));
    const page = await newPage(browser, t);
    await page.goto(`${cli.url}/`);
    await page.getByTestId('agent-cell').first().waitFor({ timeout: 30_000 });
    const board = page.getByTestId('wallboard');
    const banner = page.getByTestId('freshness-banner');
    // An agent's desktop on the same gateway says so too.
    const someone = (await (await fetch(`${cli.url}/api/v1/agents`)).json()) as {
      agents: { id: string }[];
    };
    const desk = await newPage(browser, t, { width: 1366, height: 768 });
    await desk.goto(`${cli.url}/agent?user=${someone.agents[0]!.id}`);
    await desk.getByTestId('agent-status').waitFor({ timeout: 20_000 });

    // No goodbye, no close frame: the process is gone mid-stream.
    cli.child.kill('SIGKILL');
    await cli.exited;
    await gatewayGone(page);
    await screenshot(page, 'freshness-gateway-killed');
    await eventually(
      'the agent desktop banner',
      async () =>
        (await attr(desk, 'freshness-banner', 'data-link')) === 'stale' ? true : undefined,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    await screenshot(desk, 'freshness-agent-gateway-killed');

    cli = await start();
    const back = Date.now();
    await eventually(
      'the board fresh again',
      async () => ((await banner.count()) === 0 ? true : undefined),
      {
        timeoutMs: 20_000,
        intervalMs: 250,
      },
    );
    assert.ok(Date.now() - back < 10_000, `rejoined after ${Date.now() - back} ms`);
    assert.equal(await board.getAttribute('data-stale'), 'false');
  });
});
