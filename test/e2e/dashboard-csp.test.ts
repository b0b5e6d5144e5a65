import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  eventually,
  launchBrowser,
  newPage,
  startDemoGateway,
  type DemoGateway,
} from '../support/browser.js';
import type { RunningCli } from '../support/cli.js';

/**
 * Row 12 in a real browser: the dashboard works under its Content-Security-Policy (the live
 * WebSocket included) with not one violation, and the policy really stops injected markup from
 * running script.
 */

/** Collects CSP violations in the page from its first script on. */
const RECORD_VIOLATIONS = `
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
`;

describe('dashboard under its Content-Security-Policy in Chromium', () => {
  let demo: DemoGateway | undefined;
  let gateway: RunningCli | undefined;

  before(async () => {
    demo = await startDemoGateway();
    gateway = demo.gateway;
  });

  after(() => demo?.stop());

  test('every page renders and goes live with zero violations; injected handlers do not run', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !gateway) return;
    const page = await newPage(browser, t);
    const console: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) console.push(m.text());
    });
    await page.addInitScript({ content: RECORD_VIOLATIONS });
    const violations = () => page.evaluate<string[]>('window.__csp');

    const res = await page.goto(`${gateway.url}/`);
    assert.equal(res?.status(), 200, 'the dashboard is built (npm run build)');
    assert.match((await res?.allHeaders())?.['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('[data-testid="agent-cell"]').first().waitFor({ timeout: 30_000 });
    await eventually('the live WebSocket under connect-src', async () =>
      (await page.getByTestId('connection').getAttribute('data-status')) === 'connected'
        ? true
        : undefined,
    );
    assert.deepEqual(await violations(), [], 'the wallboard');

    await page.goto(`${gateway.url}/health`);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await violations(), [], 'the health page');
    await page.goto(`${gateway.url}/agent`);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(await violations(), [], 'the agent page');
    assert.deepEqual(console, [], 'no CSP messages on the console');

    // What escaping would stop, the policy stops too: an inline handler never runs.
    await page.evaluate(
      `document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.__ran = 1">')`,
    );
    await eventually('the violation report', async () =>
      (await violations()).some((v) => v.startsWith('script-src')) ? true : undefined,
    );
    assert.equal(await page.evaluate('window.__ran'), undefined);
  });
});
