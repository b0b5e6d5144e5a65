import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { postSigned, seedEvent, startTestGateway } from '../support/helpers.js';
import { targetStats } from '../support/targets.js';

/**
 * The Pipelines page in headless Chromium against an in-process gateway whose one HTTP target
 * is a local receiver: it refuses one event with a 400 (dead-lettered at once), takes the rest,
 * then takes everything for the replay.
 */

interface Receiver {
  url: string;
  /** notificationIds received with a 2xx answer. */
  accepted: Set<string>;
  /** The notificationId answered 400 while set. */
  reject: string | undefined;
}

async function startReceiver(t: TestContext): Promise<Receiver> {
  const receiver: Receiver = { url: '', accepted: new Set(), reject: undefined };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      let id: string | undefined;
      try {
        id = (JSON.parse(text) as { notificationId?: string }).notificationId;
      } catch {
        id = undefined;
      }
      if (id !== undefined && id === receiver.reject) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":"unknown customer"}');
        return;
      }
      if (id !== undefined) receiver.accepted.add(id);
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** Opens `/pipelines` directly (a route the gateway serves the dashboard at). */
async function openPipelines(page: Page, url: string): Promise<void> {
  const res = await page.goto(`${url}/pipelines`);
  assert.equal(res?.status(), 200, 'the dashboard is built (npm run build:web)');
  await page.getByRole('heading', { level: 1, name: 'Pipelines' }).waitFor({ timeout: 15_000 });
  assert.equal(
    await page.getByRole('link', { name: 'Pipelines' }).getAttribute('aria-current'),
    'page',
  );
}

const cell = (page: Page, target: string, field: string) =>
  page.locator(`tr[data-target="${target}"] td[data-field="${field}"]`);

async function valueOf(page: Page, target: string, field: string): Promise<number | undefined> {
  const v = await cell(page, target, field).getAttribute('data-value', { timeout: 1_000 });
  return v === null ? undefined : Number(v);
}

describe('pipelines page in Chromium', () => {
  test('shows the target, its dead letter, and replays it', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const receiver = await startReceiver(t);
    const gw = await startTestGateway(t, {
      sinks: {
        targets: [{ name: 'crm', type: 'http', url: receiver.url }],
        routes: [{ name: 'all', pattern: {}, targets: ['crm'] }],
      },
    });

    const events = Array.from({ length: 4 }, () => seedEvent());
    receiver.reject = events[1]!.notificationId as string;
    for (const event of events) {
      const res = await postSigned(gw.url, JSON.stringify(event));
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    // The gateway's own view first: the page must show these numbers, not different ones.
    await eventually('3 delivered and 1 dead letter', async () => {
      const crm = (await targetStats(gw.url)).find((x) => x.name === 'crm');
      return crm && crm.delivered === 3 && crm.dlqDepth === 1 && crm.lag === 0 ? crm : undefined;
    });

    const page = await newPage(browser, t, { width: 1600, height: 900 });
    await openPipelines(page, gw.url);
    const row = page.locator('tr[data-target="crm"]');
    await row.waitFor({ timeout: 15_000 });
    assert.equal(await row.getByRole('rowheader').innerText(), 'crm');
    assert.equal(await row.locator('td').first().innerText(), 'http');
    await eventually('the row to show 3 delivered, DLQ depth 1', async () =>
      (await valueOf(page, 'crm', 'delivered')) === 3 &&
      (await valueOf(page, 'crm', 'dlqDepth')) === 1
        ? true
        : undefined,
    );
    assert.equal(await valueOf(page, 'crm', 'deadLettered'), 1);
    assert.equal(await valueOf(page, 'crm', 'lag'), 0);
    // Nothing more is delivered between polls: once two polls are in, the rate is 0, not blank.
    await eventually('the rate to read 0.0 per second', async () =>
      (await cell(page, 'crm', 'rate').innerText()) === '0.0' ? true : undefined,
    );
    assert.equal(await cell(page, 'crm', 'dlqDepth').innerText(), '1');
    const circuit = cell(page, 'crm', 'circuit');
    assert.equal(await circuit.locator('[data-circuit]').getAttribute('data-circuit'), 'closed');
    assert.match(await circuit.innerText(), /Closed[\s\S]*ok/i, 'the state in words, not colour');
    const lastError = await cell(page, 'crm', 'lastError').innerText();
    assert.match(lastError, /SB_SINK_REJECTED/);
    assert.match(lastError, /ago|just now/);
    assert.equal(
      await page.getByRole('table', { name: /Targets/ }).count(),
      1,
      'a captioned table',
    );

    // The dead letters, opened from the keyboard.
    const show = row.getByRole('button', { name: /dead letters of crm$/ });
    await show.focus();
    await page.keyboard.press('Enter');
    assert.equal(await show.getAttribute('aria-expanded'), 'true');
    const letter = page.locator('[data-dead-letters-of="crm"] tr[data-dead-letter]');
    await letter.first().waitFor({ timeout: 10_000 });
    assert.equal(await letter.count(), 1);
    assert.match(await letter.innerText(), /SB_SINK_REJECTED/);
    await screenshot(page, 'pipelines-dlq');

    // Another replay running: the gateway's 409 is said in words, and the button comes back.
    const replay = row.getByRole('button', { name: /^Replay the 1 dead letter of crm/ });
    const result = row.getByRole('status');
    assert.equal(await result.getAttribute('aria-live'), 'polite');
    await page.route('**/api/v1/dlq/replay', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: '{"error":{"code":"SB_REPLAY_BUSY","message":"a dead-letter replay is already running"}}',
      }),
    );
    await replay.focus();
    await page.keyboard.press('Enter');
    await eventually('the busy message', async () =>
      /Replay failed: Another replay is running/.test(await result.innerText()) ? true : undefined,
    );
    assert.equal(await replay.isEnabled(), true, 'usable again after an error');
    await page.unrouteAll();

    // Replay, once the receiver takes everything: from the keyboard too.
    receiver.reject = undefined;
    await replay.focus();
    await page.keyboard.press('Enter');
    const said = await eventually('the replay result', async () => {
      const text = await result.innerText();
      return /delivered|failed/i.test(text) ? text : undefined;
    });
    assert.match(said, /^1 delivered, 0 back in the DLQ$/);
    await eventually('DLQ depth 0 on the page', async () =>
      (await valueOf(page, 'crm', 'dlqDepth')) === 0 ? true : undefined,
    );
    assert.ok(receiver.accepted.has(events[1]!.notificationId as string), 'replayed to the target');
    assert.equal(await row.getByRole('button', { name: /^Replay/ }).count(), 0, 'nothing left');
    assert.match(await result.innerText(), /1 delivered/, 'the result stays on screen');
    assert.equal(
      await page.evaluate<string | null>(`document.activeElement?.dataset?.testid ?? null`),
      'replay-result',
      'focus moves to the result when the Replay button goes',
    );
    assert.equal((await targetStats(gw.url)).find((x) => x.name === 'crm')?.dlqDepth, 0);
    await screenshot(page, 'pipelines');
  });

  test('without targets the page says how to configure one', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const gw = await startTestGateway(t, { sinks: { targets: [] } });
    const page = await newPage(browser, t, { width: 1280, height: 800 });
    await openPipelines(page, gw.url);
    const empty = page.getByTestId('no-targets');
    await empty.waitFor({ timeout: 15_000 });
    const text = await empty.innerText();
    assert.match(text, /sinks\.targets/);
    assert.match(text, /sinks\.routes/);
    assert.match(text, /type: http/);
    assert.equal(await empty.locator('a').count(), 0, 'no links out of the app');
  });
});
