/**
 * Issue 15: an axe-core scan (WCAG 2 A and AA rules) of every page of the dashboard, in the real
 * Chromium, with live data from a gateway streaming the emulator's org: the wallboard (desk and
 * TV), both dialogs, a named board, the agent page (picker and an agent), health, pipelines and
 * the app's not-found page. No serious or critical violation may remain; each page is kept as a
 * screenshot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';
import { axeProblems, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';

test('every dashboard page passes an axe-core scan with no serious violations', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const emu = await startTestEmulator(t, {
    realtime: true,
    agents: 40,
    queues: 3,
    seed: 8,
    // Busy enough that Genesys is never quiet for 15 s (the board would dim and say so).
    speed: 10,
  });
  const gw = await startGateway(
    testConfig(tempDir(t), {
      genesys: { apiBase: emu.url, clientId: 'demo-client', clientSecret: 'demo-secret' },
      source: { demo: false, mode: 'stream' },
      live: { heartbeatMs: 1000 },
    }),
    { logger: createLogger('silent'), defaultMetrics: false },
  );
  t.after(() => gw.close());
  const stream = gw.sources.find((s) => s.name === 'stream')!;
  await waitFor(() => stream.health().state === 'running', { timeoutMs: 20_000, what: 'stream' });
  await gw.reconcile();
  const agents = (await (await fetch(`${gw.url}/api/v1/agents`)).json()) as {
    agents: { id: string }[];
  };
  const board = await fetch(`${gw.url}/api/v1/boards/floor`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Floor', layout: { tv: true, agents: 'exceptions' } }),
  });
  assert.equal(board.status, 200);

  /** `ready`: a CSS selector that shows the page has its data. */
  const pages: {
    name: string;
    path: string;
    ready: string;
    viewport?: { width: number; height: number };
    then?: (p: Page) => Promise<void>;
  }[] = [
    { name: 'wallboard', path: '/', ready: '[data-testid="agent-cell"]' },
    {
      name: 'wallboard-thresholds',
      path: '/',
      ready: '[data-testid="agent-cell"]',
      then: async (p) => {
        await p.getByRole('button', { name: 'Thresholds' }).click();
        await p.getByTestId('settings').waitFor();
      },
    },
    {
      name: 'wallboard-boards',
      path: '/',
      ready: '[data-testid="agent-cell"]',
      then: async (p) => {
        await p.getByRole('button', { name: 'Boards' }).click();
        await p.getByTestId('board-list').waitFor();
      },
    },
    { name: 'wallboard-tv', path: '/?tv=1', ready: '[data-testid="agent-cell"]' },
    { name: 'board', path: '/boards/floor', ready: '[data-testid="kpi-strip"]' },
    { name: 'agent-picker', path: '/agent', ready: 'main.agent-page' },
    {
      name: 'agent',
      path: `/agent?user=${agents.agents[0]!.id}`,
      ready: '[data-testid="agent-status"]',
    },
    { name: 'health', path: '/health', ready: 'main.health h2' },
    { name: 'pipelines', path: '/pipelines', ready: 'main.health h2' },
    { name: 'not-found', path: '/no/such/page', ready: 'main.not-found h1' },
    {
      name: 'wallboard-phone',
      path: '/',
      ready: '[data-testid="agent-cell"]',
      viewport: { width: 390, height: 844 },
    },
  ];
  const problems: string[] = [];
  for (const spec of pages) {
    const page = await newPage(browser, t, spec.viewport ?? { width: 1366, height: 900 });
    await page.goto(`${gw.url}${spec.path}`);
    await page.locator(spec.ready).first().waitFor({ timeout: 20_000 });
    await spec.then?.(page);
    problems.push(...(await axeProblems(page, spec.name)));
    await screenshot(page, `page-${spec.name}`);
    await page.context().close();
  }
  assert.deepEqual(problems, []);
});
