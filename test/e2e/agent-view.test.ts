/**
 * Issue 15 point 5 in headless Chromium: the agent view.
 *
 * - The picker is a WAI-ARIA 1.2 combobox: nothing active until the user moves, a lone result
 *   chosen by ArrowDown + Enter or by a click, Escape closes then clears; each option shows the
 *   agent's live state, team and queue. Against a demo gateway (the emulator's floor, with the
 *   names, teams and queues its REST API gives reconciliation).
 * - Toasts: the caller address by media (no `tel:` on chat, message or e-mail), and focus kept
 *   on the page when a toast is dismissed. Against a push gateway fed real-shaped Genesys
 *   notifications over `/ingest/eventbridge`: bodies of the SDK's queue conversation models
 *   (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`,
 *   `QueueConversation{Call,Chat,Email,Message}EventTopic…Conversation` and their
 *   `…MediaParticipant`, whose `address` / `ani` the toast's address is), each key checked
 *   against the installed SDK (`assertSdkShape`), not against our own emulator.
 * - axe-core finds no serious or critical WCAG 2 A/AA violation on /agent.
 * - Wallboard grid cells carry team and queue, and three lines still fit the fixed row height.
 */
import { AxeBuilder } from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { AgentView } from '../../src/protocol/live-messages.js';
import { SETTINGS_KEY } from '../../web/src/lib/settings.js';
import {
  eventually,
  launchBrowser,
  newPage,
  screenshot,
  startDemoGateway,
  type DemoGateway,
} from '../support/browser.js';
import { startTestGateway } from '../support/helpers.js';
import { shapedConversation } from '../support/sdk-models.js';

/** No DOM library in the test build: the few element members used, spelled out. */
type El = { getAttribute(name: string): string | null };

async function axeScan(page: Page, t: TestContext, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result.violations) {
    t.diagnostic(`axe (${what}): ${v.impact} ${v.id}: ${v.nodes.length} node(s)`);
  }
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`),
    [],
    `no serious or critical axe violations on ${what}`,
  );
}

/** Each cell's agent, detail line and overflow (a string: tsx would wrap a function's names). */
const READ_CELLS = `[...document.querySelectorAll('[data-testid="agent-cell"]')].map((el) => ({
  id: el.dataset.agentId,
  detail: el.querySelector('[data-testid="agent-detail"]')?.textContent ?? '',
  overflow: el.scrollHeight - el.clientHeight,
}))`;

/** Where focus is: the element's tag and id, and whether it is inside <main>. */
interface FocusInfo {
  tag: string;
  id: string;
  inMain: boolean;
  toast: string | null;
}

function focusInfo(page: Page): Promise<FocusInfo> {
  return page.evaluate<FocusInfo>(`(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName.toLowerCase() : 'none',
      id: el ? el.id : '',
      inMain: !!(el && el.closest('main')),
      toast: el && el.closest('[data-toast-id]') ? el.closest('[data-toast-id]').dataset.toastId : null,
    };
  })()`);
}

describe('agent view: the picker against the demo floor', () => {
  let demo: DemoGateway | undefined;
  let agents: AgentView[] = [];

  before(async () => {
    demo = await startDemoGateway();
    const url = demo.gateway.url;
    agents = await eventually(
      'reconciled agents with names, teams and queues',
      async () => {
        const res = await fetch(`${url}/api/v1/agents`);
        const body = (await res.json()) as { agents: AgentView[] };
        const named = body.agents.filter((a) => a.name && a.teamName && a.queueIds.length > 0);
        return named.length >= 10 ? body.agents : undefined;
      },
      { timeoutMs: 30_000 },
    );
  });

  after(() => demo?.stop());

  /** Agents whose name no other agent's name contains (typing it leaves one option). */
  function uniquelyNamed(): AgentView[] {
    const names = agents.map((a) => (a.name ?? '').toLowerCase());
    return agents.filter((a) => {
      const n = (a.name ?? '').toLowerCase();
      return n && a.teamName && names.filter((m) => m.includes(n)).length === 1;
    });
  }

  test('keyboard and mouse choose the one agent a search leaves; ARIA combobox semantics; axe', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !demo) return;
    const page = await newPage(browser, t, { width: 1366, height: 800 });
    await page.goto(`${demo.gateway.url}/agent`);
    const input = page.getByRole('combobox', { name: /search by name, team or queue/i });
    await input.waitFor();
    await axeScan(page, t, '/agent with no agent chosen');

    const [first, second] = uniquelyNamed();
    assert.ok(first && second, 'two agents with unique names on the demo floor');

    // The combobox pattern's attributes, before anything is typed.
    assert.equal(await input.getAttribute('aria-expanded'), 'false');
    assert.equal(await input.getAttribute('aria-autocomplete'), 'list');
    const listId = await input.getAttribute('aria-controls');
    assert.ok(listId);
    const listbox = page.locator(`[id="${listId}"]`);
    assert.equal(await listbox.getAttribute('role'), 'listbox');

    // Type a unique name: one option, live label and team shown, nothing active.
    await input.click();
    await input.pressSequentially(first.name!, { delay: 5 });
    const options = listbox.getByRole('option');
    await eventually('one option for a unique name', async () =>
      (await options.count()) === 1 &&
      (await options.first().getAttribute('data-agent-id')) === first.id
        ? true
        : undefined,
    );
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    assert.equal(await input.getAttribute('aria-activedescendant'), null, 'nothing preselected');
    assert.equal(await options.first().getAttribute('aria-selected'), 'false');
    const label = await options.first().getByTestId('agent-option-label').textContent();
    assert.ok(label, 'the option shows a state label');
    const detail = await options.first().getByTestId('agent-option-detail').textContent();
    assert.ok(detail?.includes(first.teamName!), `team under the name: ${detail}`);

    // Enter with nothing active chooses nothing.
    await input.press('Enter');
    assert.equal(new URL(page.url()).searchParams.get('user'), null, 'nothing auto-selected');

    // ArrowDown makes the one option active; Enter chooses it.
    await input.press('ArrowDown');
    const optionId = await options.first().getAttribute('id');
    assert.equal(await input.getAttribute('aria-activedescendant'), optionId);
    assert.equal(await options.first().getAttribute('aria-selected'), 'true');
    await screenshot(page, 'agent-view-picker');
    await input.press('Enter');
    await page
      .locator(`[data-testid="agent-status"][data-agent-id="${first.id}"]`)
      .waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get('user'), first.id);
    assert.equal(await input.getAttribute('aria-expanded'), 'false', 'closed after choosing');
    assert.equal((await focusInfo(page)).tag, 'input', 'focus stays in the combobox');

    // The label in the list is the live one: the same as the agent page shows. (The text is
    // the chosen name: ArrowDown opens the list on it.)
    assert.equal(await input.inputValue(), first.name);
    await input.press('ArrowDown');
    await eventually('the list to show the live label of the agent page', async () => {
      const shown = await page.getByTestId('agent-label').textContent();
      const listed = await options.first().getAttribute('data-label');
      return shown && shown === listed ? true : undefined;
    });

    // Escape closes the list, keeping the text; a second Escape clears it.
    await input.press('Escape');
    assert.equal(await input.getAttribute('aria-expanded'), 'false');
    assert.equal(await input.inputValue(), first.name);
    await input.press('Escape');
    assert.equal(await input.inputValue(), '');

    // Home / End over a longer list.
    await input.press('ArrowDown');
    await eventually('the full list', async () => ((await options.count()) > 3 ? true : undefined));
    const count = await options.count();
    await input.press('End');
    assert.equal(
      await input.getAttribute('aria-activedescendant'),
      await options.nth(count - 1).getAttribute('id'),
    );
    await input.press('Home');
    assert.equal(
      await input.getAttribute('aria-activedescendant'),
      await options.first().getAttribute('id'),
    );
    if (agents.length > count) {
      const note = await page.getByTestId('agent-options-note').textContent();
      assert.match(note ?? '', /^\d+ more: refine the search$/);
    }
    await axeScan(page, t, '/agent with an agent shown and the list open');
    await screenshot(page, 'agent-view-picker-list');

    // Mouse: type the other unique name and click its only option.
    await input.fill(second.name!);
    await eventually('one option for the second name', async () =>
      (await options.count()) === 1 &&
      (await options.first().getAttribute('data-agent-id')) === second.id
        ? true
        : undefined,
    );
    await options.first().click();
    await page
      .locator(`[data-testid="agent-status"][data-agent-id="${second.id}"]`)
      .waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get('user'), second.id);
    await screenshot(page, 'agent-view-chosen');
  });

  test('wallboard cells name team and queue, and three lines fit the fixed row height', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser || !demo) return;
    const page = await newPage(browser, t);
    // The desktop wallboard's grid (TV mode draws its agents with its own component).
    for (const [path, shot] of [['/', 'agent-view-cells']] as const) {
      await page.goto(`${demo.gateway.url}${path}`);
      let last = '';
      await page.getByTestId('agent-cell').first().waitFor({ timeout: 30_000 });
      const cells = await eventually('cells with their team and queue', async () => {
        const read =
          await page.evaluate<{ id: string; detail: string; overflow: number }[]>(READ_CELLS);
        last = `${read.length} cells, ${read.filter((c) => c.detail.includes('·')).length} with team and queue`;
        return read.filter((c) => c.detail.includes('·')).length >= 10 ? read : undefined;
      }).catch((err: Error) => {
        throw new Error(`${path}: ${err.message} (${last})`);
      });
      for (const c of cells) {
        const a = agents.find((x) => x.id === c.id);
        if (a?.teamName) assert.ok(c.detail.startsWith(a.teamName), `${c.id}: ${c.detail}`);
        assert.ok(c.overflow <= 0, `${path}: cell ${c.id} overflows by ${c.overflow}px`);
      }
      await screenshot(page, shot);
    }
  });
});

// ---------------------------------------------------------------------------------------------

const QUEUE = '7b0c4a1e-0000-4000-8000-000000000001';
const USER = 'a1b2c3d4-0000-4000-8000-0000000000a1';

type Media = 'calls' | 'chats' | 'emails' | 'messages';
const MODELS: Record<Media, [string, string]> = {
  calls: [
    'QueueConversationCallEventTopicCallConversation',
    'QueueConversationCallEventTopicCallMediaParticipant',
  ],
  chats: [
    'QueueConversationChatEventTopicChatConversation',
    'QueueConversationChatEventTopicChatMediaParticipant',
  ],
  emails: [
    'QueueConversationEmailEventTopicEmailConversation',
    'QueueConversationEmailEventTopicEmailMediaParticipant',
  ],
  messages: [
    'QueueConversationMessageEventTopicMessageConversation',
    'QueueConversationMessageEventTopicMessageMediaParticipant',
  ],
};

/** A conversation ringing USER from QUEUE, as the queue's media topic sends it. */
function ringing(
  media: Media,
  customer: { name: string; address: string; ani?: string },
  at: Date,
) {
  const iso = (ms: number) => new Date(at.getTime() + ms).toISOString();
  const [conversationModel, participantModel] = MODELS[media];
  const body = shapedConversation(conversationModel, participantModel, {
    id: randomUUID(),
    participants: [
      {
        id: randomUUID(),
        purpose: 'customer',
        state: 'connected',
        direction: 'inbound',
        name: customer.name,
        address: customer.address,
        ...(customer.ani ? { ani: customer.ani } : {}),
        startTime: iso(-20_000),
        connectedTime: iso(-19_500),
      },
      {
        id: randomUUID(),
        purpose: 'acd',
        state: 'disconnected',
        direction: 'inbound',
        queue: { id: QUEUE, name: 'Support' },
        startTime: iso(-19_000),
        connectedTime: iso(-19_000),
        endTime: iso(-1_000),
        disconnectType: 'transfer',
      },
      {
        id: randomUUID(),
        purpose: 'agent',
        state: 'alerting',
        initialState: 'alerting',
        direction: 'inbound',
        user: { id: USER, name: 'Ana Lima' },
        queue: { id: QUEUE },
        startTime: iso(-1_000),
        alertingTimeoutMs: 600_000,
        wrapupRequired: true,
      },
    ],
  });
  const topicName = `v2.routing.queues.${QUEUE}.conversations.${media}`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': `v2.routing.queues.{id}.conversations.${media}`,
    source: 'aws.partner/genesys.com/cloud/8d7e0b3a-org/switchboard',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: {
      topicName,
      version: '2',
      eventBody: body,
      metadata: { CorrelationId: randomUUID() },
      timestamp: at.toISOString(),
    },
  };
}

describe('agent view: toasts from real-shaped notifications', () => {
  test('caller address by media (tel: on a call only), and focus kept when toasts are dismissed', async (t) => {
    const browser = await launchBrowser(t);
    if (!browser) return;
    const gw = await startTestGateway(t);
    const now = new Date();
    const events = [
      ringing(
        'calls',
        { name: 'Carl Voice', address: 'tel:+13175550123', ani: 'tel:+13175550123' },
        now,
      ),
      ringing(
        'chats',
        { name: 'Chen Chat', address: 'c2f1a0e4-7d1b-4a83-9a2f-3f0d1c2b4e5a' },
        new Date(now.getTime() + 1),
      ),
      ringing(
        'emails',
        { name: 'Emma Mail', address: 'emma.mail@example.com' },
        new Date(now.getTime() + 2),
      ),
      // SMS: the messaging address is a phone number, yet a toast is no place to dial it from.
      ringing(
        'messages',
        { name: 'Mo Message', address: '+13175550199' },
        new Date(now.getTime() + 3),
      ),
    ];
    const res = await fetch(`${gw.url}/ingest/eventbridge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'eb-key-123' },
      body: JSON.stringify(events),
    });
    assert.equal(res.status, 200, await res.clone().text());

    const page = await newPage(browser, t, { width: 1366, height: 800 });
    await page.addInitScript({
      content: `localStorage.setItem(${JSON.stringify(SETTINGS_KEY)}, '{"toastDismissMs":0}')`,
    });
    await page.goto(`${gw.url}/agent?user=${USER}`);
    const toasts = page.getByTestId('toast');
    await eventually('four toasts', async () => ((await toasts.count()) === 4 ? true : undefined), {
      timeoutMs: 15_000,
    });

    const byMedia = (media: string) => page.locator(`[data-testid="toast"][data-media="${media}"]`);
    // A call: a tel: link to the number.
    assert.equal(
      await byMedia('voice').locator('a[href^="tel:"]').getAttribute('href'),
      'tel:+13175550123',
    );
    // Chat and message: the address as text, no link at all.
    for (const media of ['chat', 'message']) {
      const toast = byMedia(media);
      assert.equal(await toast.locator('a').count(), 0, `${media}: no link`);
      assert.equal(await toast.getByTestId('toast-address').getAttribute('data-kind'), 'text');
    }
    assert.match(await byMedia('message').innerText(), /\+13175550199/);
    // E-mail: mailto:, never tel:.
    assert.equal(await byMedia('email').locator('a[href^="tel:"]').count(), 0);
    assert.equal(
      await byMedia('email').locator('a[href^="mailto:"]').getAttribute('href'),
      'mailto:emma.mail@example.com',
    );
    await axeScan(page, t, '/agent with toasts');
    await screenshot(page, 'agent-view-toasts');

    // Dismiss the first toast from the keyboard: focus goes to the next toast's button.
    const ids = await toasts.evaluateAll((els) =>
      (els as unknown as El[]).map((el) => el.getAttribute('data-toast-id')),
    );
    await toasts
      .first()
      .getByRole('button', { name: /dismiss/i })
      .focus();
    await page.keyboard.press('Enter');
    await eventually('three toasts', async () => ((await toasts.count()) === 3 ? true : undefined));
    let focus = await focusInfo(page);
    assert.equal(
      focus.toast,
      ids[1],
      `focus on the next toast's dismiss button: ${JSON.stringify(focus)}`,
    );
    assert.equal(focus.tag, 'button');

    // The last toast in the list: focus goes back to the one before it.
    await toasts
      .last()
      .getByRole('button', { name: /dismiss/i })
      .focus();
    await page.keyboard.press('Enter');
    await eventually('two toasts', async () => ((await toasts.count()) === 2 ? true : undefined));
    focus = await focusInfo(page);
    assert.equal(focus.toast, ids[2], `focus on the toast before: ${JSON.stringify(focus)}`);

    // Dismiss the rest: focus lands on the agent's heading, inside main, never on <body>.
    for (let left = 2; left > 0; left--) {
      await page.keyboard.press('Enter');
      await eventually(`${left - 1} toasts`, async () =>
        (await toasts.count()) === left - 1 ? true : undefined,
      );
      focus = await focusInfo(page);
      assert.ok(
        focus.inMain && focus.tag !== 'body',
        `focus kept in main: ${JSON.stringify(focus)}`,
      );
    }
    assert.equal(focus.id, 'agent-status-name', 'the agent heading takes focus at the end');
    await screenshot(page, 'agent-view-toasts-dismissed');
  });
});
