import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startCli, stopCli, type RunningCli } from './cli.js';

/** Debian's Chromium; override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Screenshots land here, under stable names. */
export const ARTIFACTS_DIR = 'test-artifacts';

/**
 * Headless Chromium closed when the test ends. Without Chromium the test fails under CI=true
 * and is skipped, loudly, elsewhere (`apt-get install -y chromium`).
 */
export async function launchBrowser(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    const why = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
    if (process.env.CI === 'true') throw new Error(why);
    process.stderr.write(`\n*** SKIPPING browser test: ${why} ***\n\n`);
    t.skip(why);
    return undefined;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  t.after(() => browser.close());
  return browser;
}

/** A page at a wallboard-sized viewport that reports its console errors to the test log. */
export async function newPage(
  browser: Browser,
  t: TestContext,
  viewport = { width: 1920, height: 1080 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  t.after(() => context.close());
  const page = await context.newPage();
  page.on('pageerror', (err) => t.diagnostic(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') t.diagnostic(`console error: ${msg.text()}`);
  });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** A TCP port free right now on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `check` until it returns a value other than undefined; fails with the last reason after
 * `timeoutMs`. A condition wait, never a fixed sleep.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 200 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `switchboard start` in demo mode (its emulator in-process) on free ports and a fresh data dir. */
export interface DemoGateway {
  gateway: RunningCli;
  emulatorUrl: string;
  /** Stops the gateway and removes its data directory. */
  stop(): Promise<void>;
}

export async function startDemoGateway(
  options: {
    /** A config file's content (JSON is YAML), merged under the environment below. */
    config?: Record<string, unknown>;
  } = {},
): Promise<DemoGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  const emulatorPort = await freePort();
  const configFile = join(dataDir, 'switchboard.yaml');
  if (options.config) writeFileSync(configFile, JSON.stringify(options.config));
  const gateway = await startCli(
    ['start'],
    {
      HOST: '127.0.0.1',
      PORT: '0',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_DEMO: '1',
      EMULATOR_PORT: String(emulatorPort),
      GENESYS_CLIENT_ID: '',
      GENESYS_CLIENT_SECRET: '',
      ...(options.config ? { SWITCHBOARD_CONFIG: configFile } : {}),
    },
    30_000,
  );
  return {
    gateway,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    async stop() {
      await stopCli(gateway);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The serious and critical WCAG 2 A/AA violations axe-core finds on the page, one line each. */
export async function axeProblems(page: Page, what: string): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${what}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ')}`,
    );
}
