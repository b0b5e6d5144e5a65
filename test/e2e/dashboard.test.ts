import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { AgentTruth, QueueTruth, Truth } from '../../src/emulator/model/truth.js';
import { SETTINGS_KEY } from '../../web/src/lib/settings.js';
import {
  eventually,
  launchBrowser,
  newPage,
  screenshot,
  startDemoGateway,
  type DemoGateway,
} from '../support/browser.js';
import type { RunningCli } from '../support/cli.js';
import { expectedLabel } from '../support/truth.js';

/**
 * The dashboard in headless Chromium against a real gateway in demo mode: the built-in emulator
 * feeds it, and its `/emulator/truth` says what a correct dashboard shows.
 */

/** A stream user id the emulator's org does not have: pruned, and shown on the health page. */
const GONE_USER = 'no-such-user-e2e-0000000000ff';

/** "1:02:03" / "12:05" → ms. */
function parseClock(text: string): number | undefined {
  const m = /(?:(\d+):)?(\d+):(\d\d)/.exec(text);
  if (!m) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
}

interface Sample {
  at: number;
  truth: Truth;
}

/** What the health page test reads of `/readyz`. */
interface ReadyBody {
  sources: Record<
    string,
    {
      state: string;
      counts: Record<string, number>;
      reconnectsByCause?: Record<string, number>;
      activationsByCause?: Record<string, number>;
      pruned?: { kind: string; id: string; reason: string }[];
    }
  >;
}

/** Polls the truth in the background so a DOM reading can be checked against the last second. */
class TruthSampler {
  readonly samples: Sample[] = [];
  #running = true;
  readonly #loop: Promise<void>;

  constructor(readonly emulatorUrl: string) {
    this.#loop = (async () => {
      while (this.#running) {
        const started = Date.now();
        try {
          const truth = await getTruth(emulatorUrl);
          this.samples.push({ at: (started + Date.now()) / 2, truth });
          while (this.samples.length > 0 && this.samples[0]!.at < Date.now() - 10_000) {
            this.samples.shift();
          }
        } catch {
          // the emulator is going away at the end of the test
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  }

  /** Samples taken between `from` and `to` (waits for one taken after `to`). */
  async between(from: number, to: number): Promise<Sample[]> {
    await eventually(
      'a truth sample after the DOM reading',
      () => (this.samples.some((s) => s.at > to) ? true : undefined),
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    return this.samples.filter((s) => s.at >= from && s.at <= to + 250);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}

async function getTruth(emulatorUrl: string): Promise<Truth> {
  const res = await fetch(`${emulatorUrl}/emulator/truth`);
  if (!res.ok) throw new Error(`truth: HTTP ${res.status}`);
  return (await res.json()) as Truth;
}

interface DomReading {
  queues: { id: string; waiting: number; longestWait: string }[];
  agents: { id: string; label: string }[];
}

/** Runs in the page (a string: this file is type-checked without the DOM library). */
const READ_DOM = `(() => {
  const data = (el, key) => el.dataset[key] ?? '';
  return {
    queues: [...document.querySelectorAll('[data-testid="queue-tile"]')].map((el) => ({
      id: data(el, 'queueId'),
      waiting: Number(data(el, 'waiting')),
      longestWait: el.querySelector('[data-testid="queue-longest-wait"]')?.textContent ?? '',
    })),
    agents: [...document.querySelectorAll('[data-testid="agent-cell"]')].map((el) => ({
      id: data(el, 'agentId'),
      label: data(el, 'label'),
    })),
  };
})()`;

function readDom(page: Page): Promise<DomReading> {
  return page.evaluate<DomReading>(READ_DOM);
}

/** Mismatches between one DOM reading and every truth sample within 1 s of it. */
function mismatches(dom: DomReading, samples: Sample[]): string[] {
  const out: string[] = [];
  if (samples.length === 0) return ['no truth sample within 1 s'];
  for (const q of dom.queues) {
    const truths = samples
      .map((s) => s.truth.queues.find((x) => x.id === q.id))
      .filter((x): x is QueueTruth => x !== undefined);
    if (truths.length === 0) {
      out.push(`queue ${q.id} not in the truth`);
      continue;
    }
    if (!truths.some((x) => x.waiting === q.waiting)) {
      out.push(
        `queue ${q.id}: waiting ${q.waiting}, truth ${truths.map((x) => x.waiting).join(',')}`,
      );
      continue;
    }
    // Longest wait ticks in whole seconds: within 2 s of one of the samples.
    const shown = parseClock(q.longestWait);
    if (q.waiting > 0 && shown !== undefined) {
      const near = truths.some((x) => x.waiting > 0 && Math.abs(x.longestWaitMs - shown) <= 2_000);
      if (!near) {
        out.push(
          `queue ${q.id}: longest wait ${q.longestWait}, truth ${truths.map((x) => x.longestWaitMs).join(',')} ms`,
        );
      }
    }
  }
  // A queue the hub has not shown yet must at least have nobody waiting.
  const shown = new Set(dom.queues.map((q) => q.id));
  for (const q of samples[samples.length - 1]!.truth.queues) {
    if (shown.has(q.id)) continue;
    const waiting = samples.map((s) => s.truth.queues.find((x) => x.id === q.id)?.waiting ?? 0);
    if (!waiting.includes(0))
      out.push(`queue ${q.id} (${q.name}) missing, truth waiting ${waiting.join(',')}`);
  }
  for (const a of dom.agents) {
    const labels = samples
      .map((s) => s.truth.agents.find((x) => x.id === a.id))
      .filter((x): x is AgentTruth => x !== undefined)
      .map(expectedLabel);
    if (!labels.includes(a.label)) {
      out.push(`agent ${a.id}: "${a.label}", truth ${[...new Set(labels)].join(' / ')}`);
    }
  }
  return out;
}

describe('dashboard in Chromium against the demo emulator', () => {
  let demo: DemoGateway | undefined;
  let gateway: RunningCli | undefined;
  let emulatorUrl = '';

  before(async () => {
    demo = await startDemoGateway({ config: { source: { stream: { users: [GONE_USER] } } } });
    gateway = demo.gateway;
    emulatorUrl = demo.emulatorUrl;
    await eventually('the emulator', () => getTruth(emulatorUrl), { timeoutMs: 15_000 });
  });

  after(() => demo?.stop());

  test('the wallboard matches /emulator/truth within 1 s', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !gateway) return;
    const page = await newPage(browser, t);
    const res = await page.goto(`${gateway.url}/`);
    assert.equal(
      res?.status(),
      200,
      'the gateway serves the dashboard at / (built by npm run build, registered by registerDashboard)',
    );
    const first = await getTruth(emulatorUrl);
    await page.locator('[data-testid="agent-cell"]').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="queue-tile"]').first().waitFor({ timeout: 30_000 });
    await eventually('the connection indicator to say live', async () =>
      (await page.getByTestId('connection').getAttribute('data-status')) === 'connected'
        ? true
        : undefined,
    );

    const sampler = new TruthSampler(emulatorUrl);
    t.after(() => sampler.stop());
    let last: string[] = [];
    let checked: DomReading | undefined;
    try {
      await eventually(
        'the DOM to match the truth within 1 s',
        async () => {
          const from = Date.now() - 1_000;
          const dom = await readDom(page);
          const to = Date.now();
          last = mismatches(dom, await sampler.between(from, to));
          if (dom.agents.length < 20) last.push(`only ${dom.agents.length} agents on screen yet`);
          if (last.length > 0) return undefined;
          checked = dom;
          return true;
        },
        { timeoutMs: 45_000, intervalMs: 250 },
      );
    } catch (err) {
      await screenshot(page, 'wallboard-mismatch');
      throw new Error(`${(err as Error).message}\n${last.slice(0, 20).join('\n')}`, {
        cause: err,
      });
    }
    assert.ok(checked && checked.agents.length >= 20, 'a real sample of agents was compared');
    const total = Number(await page.getByTestId('agent-grid').getAttribute('data-count'));
    t.diagnostic(
      `compared ${checked.queues.length} of ${first.queues.length} queues and ${checked.agents.length} agents (grid holds ${total} of ${first.agents.length})`,
    );
    await screenshot(page, 'wallboard');

    // TV mode: no controls, same data.
    await page.goto(`${gateway.url}/?tv=1`);
    await page.locator('[data-testid="agent-cell"]').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('form.filters').count(), 0, 'no filter controls in TV mode');
    assert.equal(await page.locator('html.tv').count(), 1, 'TV theme on');
    await screenshot(page, 'wallboard-tv');
  });

  test('a ringing conversation shows a toast for the agent; it goes when answered', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !gateway) return;
    const page = await newPage(browser, t, { width: 1366, height: 768 });
    // Auto-dismiss off: the toast must go because the hub removed it, not because 8 s passed.
    await page.addInitScript({
      content: `localStorage.setItem(${JSON.stringify(SETTINGS_KEY)}, '{"toastDismissMs":0}')`,
    });

    const tried = new Set<string>();
    let found: { userId: string; conversationId: string; text: string } | undefined;
    const deadline = Date.now() + 120_000;
    while (!found && Date.now() < deadline) {
      const truth = await getTruth(emulatorUrl);
      const candidate = pickAgentAboutToRing(truth, tried);
      assert.ok(candidate, 'an on-queue agent to watch');
      tried.add(candidate.id);
      await page.goto(`${gateway.url}/agent?user=${encodeURIComponent(candidate.id)}`);
      await page.getByTestId('agent-status').waitFor({ timeout: 20_000 });
      try {
        const toast = page.getByTestId('toast').first();
        await toast.waitFor({ timeout: 25_000 });
        // Id and text in one read: the call may be answered a moment later (the warmed-up floor
        // often offers an agent already ringing), and the toast is then rightly gone.
        // (No DOM types in the test build: the element's shape is spelled out.)
        type El = { getAttribute(name: string): string | null; textContent: string | null };
        const seen = await toast.evaluate((el: El) => ({
          id: el.getAttribute('data-conversation-id'),
          text: el.textContent ?? '',
        }));
        assert.ok(seen.id);
        found = { userId: candidate.id, conversationId: seen.id, text: seen.text };
      } catch {
        t.diagnostic(`no ring for ${candidate.id} within 25 s; trying another agent`);
      }
    }
    assert.ok(found, 'some agent rang within 2 minutes');
    const { userId, conversationId, text } = found;

    // The toasts' own live region (the agent picker has another, for its result count).
    const region = page.getByTestId('toasts');
    assert.equal(await region.getAttribute('role'), 'status');
    assert.equal(await region.getAttribute('aria-live'), 'polite');
    const toast = region.locator(`[data-testid="toast"][data-conversation-id="${conversationId}"]`);
    const truth = await getTruth(emulatorUrl);
    const conv = truth.agents
      .find((a) => a.id === userId)
      ?.conversations.find((c) => c.id === conversationId);
    if (conv) {
      const queue = truth.queues.find((q) => q.id === conv.queueId);
      assert.match(text, new RegExp(conv.media === 'voice' ? 'Voice call' : conv.media, 'i'));
      if (queue) assert.ok(text.includes(queue.name), `toast names the queue: ${text}`);
    }
    assert.match(text, /Incoming/);
    await screenshot(page, 'agent-toast');

    // The toast stays while the truth says it rings, and goes once it is answered or missed.
    const legOf = (x: Truth) =>
      x.agents.find((a) => a.id === userId)?.conversations.find((c) => c.id === conversationId);
    const outcome = await eventually(
      'the conversation to be answered or missed',
      async () => {
        if (legOf(await getTruth(emulatorUrl))?.state !== 'alerting') return { at: Date.now() };
        if ((await toast.count()) > 0) return undefined;
        // Gone from the page: fine only if it was answered between the two reads.
        if (legOf(await getTruth(emulatorUrl))?.state === 'alerting') return { early: true };
        return { at: Date.now() };
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.ok(!('early' in outcome), 'the toast vanished while the truth says it still rings');
    const stoppedRinging = outcome.at;
    await eventually('the toast to be removed', async () =>
      (await toast.count()) === 0 ? true : undefined,
    );
    const lagMs = Date.now() - stoppedRinging;
    t.diagnostic(`toast removed ${lagMs} ms after the truth stopped ringing`);
    assert.ok(lagMs < 3_000, `toast removed within 3 s of the answer (took ${lagMs} ms)`);
  });

  test('the health page charts the gateway stats and shows the sources as /readyz has them', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !gateway) return;
    const page = await newPage(browser, t, { width: 1440, height: 900 });
    await page.goto(`${gateway.url}/health`);
    await page.getByTestId('charts').waitFor({ timeout: 20_000 });
    await eventually('six charts drawn', async () =>
      (await page.locator('.chart canvas').count()) >= 6 ? true : undefined,
    );
    // The sources: the demo streams from its emulator; its channels and topics are shown.
    const stream = page.locator('[data-testid="sources"] tr[data-source="stream"]');
    const reconcile = page.locator('[data-testid="sources"] tr[data-source="reconcile"]');
    const figure = (row: typeof stream, name: string) =>
      row.locator(`[data-figure="${name}"] dd`).innerText();
    await stream.waitFor({ timeout: 20_000 });
    await eventually('the stream running, every channel open', async () => {
      const text = await stream.innerText();
      const m = /(\d+) open of (\d+)/.exec(await figure(stream, 'channels'));
      return /running/i.test(text) && m && m[1] === m[2] && Number(m[1]) > 0 ? true : undefined;
    });
    assert.equal(await reconcile.count(), 1, 'the reconciler listed too');

    // An unplanned drop: the stream reconnects; /readyz counts it by cause, the page shows it.
    const fault = await fetch(`${emulatorUrl}/emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fault: 'drop-sockets', code: 1006 }),
    });
    assert.equal(fault.status, 200);
    const readyz = async () => (await (await fetch(`${gateway!.url}/readyz`)).json()) as ReadyBody;
    await eventually(
      '/readyz: reconnected after the drop, and a gap activation',
      async () => {
        const { sources } = await readyz();
        return sources.stream?.state === 'running' &&
          (sources.stream.reconnectsByCause?.['closed 1006'] ?? 0) >= 1 &&
          (sources.reconcile?.activationsByCause?.gap ?? 0) >= 1
          ? true
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    // Both are read again until they agree (the page polls /readyz every 2 s).
    const ready = await eventually(
      'the page shows what /readyz has',
      async () => {
        const body = await readyz();
        const s = body.sources.stream!;
        const r = body.sources.reconcile!;
        const checks: [string, string, RegExp][] = [
          [
            'channels',
            await figure(stream, 'channels'),
            new RegExp(`^${s.counts.channelsOpen} open of ${s.counts.channels}$`),
          ],
          ['topics', await figure(stream, 'topics'), new RegExp(`^${s.counts.topics}\\b`)],
          [
            'reconnects',
            await figure(stream, 'reconnects'),
            new RegExp(`closed 1006\\s+${s.reconnectsByCause?.['closed 1006']}\\b`),
          ],
          ['handovers', await figure(stream, 'handovers'), new RegExp(`^${s.counts.handovers}$`)],
          ['last message', await figure(stream, 'last-message'), /^(just now|\d+ s ago)$/],
          [
            'pruned',
            await figure(stream, 'pruned'),
            new RegExp(`^1 user\\s+user ${GONE_USER} \\(no such user in the org\\)`),
          ],
          [
            'activations',
            await figure(reconcile, 'activations'),
            new RegExp(
              `^${r.counts.activationsLastHour} \\(limit ${r.counts.maxActivationsPerHour}\\)`,
            ),
          ],
          [
            'activations by cause',
            await figure(reconcile, 'activations-by-cause'),
            new RegExp(`gap\\s+${r.activationsByCause?.gap}\\b`),
          ],
        ];
        const wrong = checks.filter(([, text, re]) => !re.test(text));
        if (wrong.length > 0)
          throw new Error(wrong.map(([n, text]) => `${n}: "${text}"`).join('; '));
        return body;
      },
      { timeoutMs: 15_000 },
    );
    const s = ready.sources.stream!;
    t.diagnostic(
      `reconnects ${JSON.stringify(s.reconnectsByCause)}; activations ${JSON.stringify(ready.sources.reconcile?.activationsByCause)}`,
    );
    assert.equal(s.counts.prunedUsers, 1);
    assert.deepEqual(s.pruned, [
      { kind: 'user', id: GONE_USER, reason: 'no such user in the org' },
    ]);
    await screenshot(page, 'health');
  });
});

/**
 * An agent likely to ring soon: one ringing now, else an on-queue idle agent in the busiest
 * queues, idle longest (the emulator offers to the longest-idle free member).
 */
function pickAgentAboutToRing(truth: Truth, tried: Set<string>): AgentTruth | undefined {
  const ringing = truth.agents.find(
    (a) => !tried.has(a.id) && a.conversations.some((c) => c.state === 'alerting'),
  );
  if (ringing) return ringing;
  const load = new Map(truth.queues.map((q) => [q.id, q.waiting + q.alerting + q.interacting]));
  const idle = truth.agents.filter(
    (a) =>
      !tried.has(a.id) &&
      a.loggedIn &&
      a.presence === 'ON_QUEUE' &&
      a.routingStatus === 'IDLE' &&
      a.conversations.length === 0,
  );
  const score = (a: AgentTruth) => Math.max(0, ...a.queueIds.map((id) => load.get(id) ?? 0));
  idle.sort(
    (a, b) => score(b) - score(a) || a.routingStatusSince.localeCompare(b.routingStatusSince),
  );
  return idle[0];
}
