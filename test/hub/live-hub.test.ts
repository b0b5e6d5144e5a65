import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import type {
  AgentView,
  DeltaMessage,
  LiveMessage,
  QueueView,
} from '../../src/protocol/live-messages.js';

import type { EventKind } from '../../src/log/event-kinds.js';
import type { EventInput } from '../../src/log/event-log.js';
import { eventInput } from '../support/events.js';
import { startTestGateway, waitFor } from '../support/helpers.js';
import { LiveTestClient } from '../support/live-client.js';

const QUEUES = ['q-sales', 'q-support', 'q-billing'];
const TEAMS = ['team-red', 'team-blue'];
const AGENTS = Array.from({ length: 30 }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
const queueOf = (i: number) => QUEUES[i % 3]!;
const teamOf = (i: number) => TEAMS[i % 2]!;
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
let clock = 0;

function ev(kind: EventKind, subject: EventInput['subject'], body: unknown): EventInput {
  const when = new Date(T0 + ++clock * 1000).toISOString();
  return eventInput(kind, { subject, body, occurredAt: when });
}

/** Queues with their members and users with teams, as a reconciliation would append them. */
async function seed(gw: Gateway, pad = ''): Promise<number> {
  const events: EventInput[] = QUEUES.map((q, qi) =>
    ev(
      'reconcile.queue',
      { queueId: q },
      {
        queue: { id: q, name: q },
        members: AGENTS.filter((_, i) => i % 3 === qi).map((id) => ({ id })),
      },
    ),
  );
  AGENTS.forEach((id, i) =>
    events.push(
      ev(
        'reconcile.user',
        { userId: id },
        {
          id,
          name: `${id}${pad}`,
          team: { id: teamOf(i), name: teamOf(i) },
          presence: { presenceDefinition: { id: 'on', systemPresence: 'ON_QUEUE' } },
          routingStatus: { status: 'IDLE' },
        },
      ),
    ),
  );
  const results = await gw.log.append(events);
  return results.at(-1)!.offset;
}

/** A routing-status change for each agent (status cycles so every event changes a label). */
async function churn(gw: Gateway, round: number, agents = AGENTS): Promise<number> {
  const status = ['INTERACTING', 'IDLE', 'NOT_RESPONDING'][round % 3]!;
  const results = await gw.log.append(
    agents.map((id) =>
      ev('user.routing', { userId: id }, { routingStatus: { status, startTime: undefined } }),
    ),
  );
  return results.at(-1)!.offset;
}

/** Agents besides the 30: live state cuts names to 256 bytes, so big deltas take many agents. */
const CROWD = Array.from({ length: 1500 }, (_, i) => `crowd-${String(i).padStart(4, '0')}`);

/** Like `churn`, for a crowd of agents each renamed to a new long name, so each delta is big. */
async function heavyChurn(gw: Gateway, round: number): Promise<number> {
  const status = ['INTERACTING', 'IDLE', 'NOT_RESPONDING'][round % 3]!;
  const results = await gw.log.append(
    [...AGENTS, ...CROWD].flatMap((id, i) => [
      ev(
        'reconcile.user',
        { userId: id },
        { id, name: `${id} ${String(round).repeat(200)}`, team: { id: teamOf(i) } },
      ),
      ev('user.routing', { userId: id }, { routingStatus: { status, startTime: undefined } }),
    ]),
  );
  return results.at(-1)!.offset;
}

async function caughtUp(gw: Gateway, offset: number) {
  await waitFor(() => gw.hub.offset >= offset, { what: `the hub to reach offset ${offset}` });
}

function open(t: TestContext, gw: Gateway, query = '', headers: Record<string, string> = {}) {
  const c = LiveTestClient.open(gw.url, query, headers);
  t.after(() => c.close());
  return c;
}

/** Every (offset, kind, entity JSON) a client saw in deltas, full views and patches, in order. */
function deltaLog(c: LiveTestClient, after = 0): string[] {
  return c
    .of('delta')
    .filter((d) => d.offset > after)
    .flatMap((d: DeltaMessage) => [
      ...(d.agents ?? []).map((a) => `${d.offset} agent ${JSON.stringify(a)}`),
      ...(d.patches?.agents ?? []).map((a) => `${d.offset} agent-patch ${JSON.stringify(a)}`),
      ...(d.queues ?? []).map((q) => `${d.offset} queue ${JSON.stringify(q)}`),
      ...(d.patches?.queues ?? []).map((q) => `${d.offset} queue-patch ${JSON.stringify(q)}`),
    ]);
}

/** Ids of the agents or queues a client heard about in deltas (full or patched). */
function deltaIds(c: LiveTestClient, kind: 'agents' | 'queues'): Set<string> {
  return new Set(
    c
      .of('delta')
      .flatMap((d) => [...(d[kind] ?? []), ...(d.patches?.[kind] ?? [])].map((x) => x.id)),
  );
}

describe('live hub', () => {
  test('filters: each client gets exactly the agents, queues and kinds it asked for', async (t) => {
    const gw = await startTestGateway(t);
    await caughtUp(gw, await seed(gw));
    const all = open(t, gw);
    const sales = open(t, gw, '?kinds=queues,agents&queues=q-sales');
    const red = open(t, gw, '?kinds=agents&teams=team-red');
    const one = open(t, gw, '?kinds=agents,toasts&users=agent-04');
    const tiles = open(t, gw, '?kinds=queues');
    for (const c of [all, sales, red, one, tiles]) await c.waitForOffset(gw.hub.offset);

    const snap = (c: LiveTestClient) => c.of('snapshot')[0]!;
    assert.equal(snap(all).agents!.length, 30);
    assert.equal(snap(all).queues!.length, 3);
    assert.deepEqual(snap(all).toasts, []);
    assert.deepEqual(
      snap(sales)
        .agents!.map((a) => a.id)
        .sort(),
      AGENTS.filter((_, i) => queueOf(i) === 'q-sales'),
    );
    assert.deepEqual(
      snap(sales).queues!.map((q) => q.id),
      ['q-sales'],
    );
    assert.equal(snap(sales).toasts, undefined);
    assert.deepEqual(
      snap(red)
        .agents!.map((a) => a.id)
        .sort(),
      AGENTS.filter((_, i) => teamOf(i) === 'team-red'),
    );
    assert.equal(snap(red).queues, undefined);
    assert.deepEqual(
      snap(one).agents!.map((a) => a.id),
      ['agent-04'],
    );
    assert.equal(snap(tiles).agents, undefined);

    const end = await churn(gw, 0);
    for (const c of [all, sales, red, one, tiles]) await c.waitForOffset(end);
    const agentIds = (c: LiveTestClient) => deltaIds(c, 'agents');
    const queueIds = (c: LiveTestClient) => deltaIds(c, 'queues');
    assert.equal(agentIds(all).size, 30);
    assert.deepEqual([...queueIds(all)].sort(), [...QUEUES].sort());
    assert.deepEqual(
      [...agentIds(sales)].sort(),
      AGENTS.filter((_, i) => queueOf(i) === 'q-sales'),
    );
    assert.deepEqual([...queueIds(sales)], ['q-sales']);
    assert.deepEqual(
      [...agentIds(red)].sort(),
      AGENTS.filter((_, i) => teamOf(i) === 'team-red'),
    );
    assert.deepEqual([...agentIds(one)], ['agent-04']);
    assert.equal(agentIds(tiles).size, 0);
    assert.deepEqual([...queueIds(tiles)].sort(), [...QUEUES].sort());
    // Known entities come as patches; applied, they give the state after the events.
    assert.ok(
      all.of('delta').some((d) => (d.patches?.agents?.length ?? 0) > 0),
      'patches sent',
    );
    assert.ok(
      all.of('delta').every((d) => !d.agents?.length),
      'no full views for known agents',
    );
    assert.deepEqual(
      [...all.state.agents.values()].map((a) => `${a.routingStatus} ${a.label}`),
      Array(30).fill('INTERACTING Interacting'),
    );
    const tile = all.state.queues.get('q-sales')!;
    assert.deepEqual([tile.onQueue, tile.idle, tile.interactingAgents], [10, 0, 10]);
    // The patched state equals the state a fresh snapshot gives.
    const fresh = open(t, gw);
    await fresh.waitForOffset(end);
    const byId = (m: Map<string, AgentView>) =>
      [...m.values()].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(byId(all.state.agents), byId(fresh.state.agents));
    const stable = (q: QueueView) => ({ ...q, longestWaitMs: 0 });
    assert.deepEqual(stable(tile), stable(fresh.state.queues.get('q-sales')!));
    for (const c of [all, sales, red, one, tiles]) assert.equal(c.orphanPatches, 0);
    assert.equal(all.messages.filter((m) => m.type === 'error').length + (all.closed ? 1 : 0), 0);
  });

  test('resume across a forced disconnect: exactly the missed deltas, no gap, no duplicate', async (t) => {
    const gw = await startTestGateway(t);
    await caughtUp(gw, await seed(gw));
    const steady = open(t, gw);
    const flaky = open(t, gw, '?kinds=agents,queues');
    await steady.waitForOffset(gw.hub.offset);
    await flaky.waitForOffset(gw.hub.offset);
    const start = flaky.of('snapshot')[0]!.offset;

    // Events arrive in many separate commits while the client is connected, gone, and back.
    let end = 0;
    for (let r = 1; r <= 4; r++) end = await churn(gw, r, AGENTS.slice(0, 10 * r));
    await flaky.waitForOffset(end);
    const since = flaky.lastOffset();
    flaky.close();
    await flaky.waitForClose();
    for (let r = 5; r <= 9; r++) end = await churn(gw, r, AGENTS.slice(r));
    await caughtUp(gw, end);

    const back = LiveTestClient.open(
      gw.url,
      `?kinds=agents,queues&since=${since}`,
      {},
      flaky.state,
    );
    t.after(() => back.close());
    await back.waitForOffset(end);
    for (let r = 10; r <= 11; r++) end = await churn(gw, r);
    await back.waitForOffset(end);
    await steady.waitForOffset(end);

    assert.equal(back.messages[0]!.type, 'resumed');
    assert.equal(back.of('snapshot').length, 0, 'a resume inside the window sends no snapshot');
    const seen = [...deltaLog(flaky), ...deltaLog(back)];
    assert.deepEqual(seen, deltaLog(steady, start));
    assert.equal(new Set(seen).size, seen.length, 'no delta twice');
    assert.equal(back.orphanPatches, 0);
    const byId = (m: Map<string, AgentView>) =>
      [...m.values()].sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(byId(back.state.agents), byId(steady.state.agents));
    assert.ok(seen.length > 100, `${seen.length} changes compared`);
  });

  test('an agent who leaves a filtered queue or team is removed from those clients, live and on resume', async (t) => {
    const gw = await startTestGateway(t);
    await caughtUp(gw, await seed(gw));
    const queries = ['?kinds=agents&queues=q-sales', '?kinds=agents&teams=team-red', ''];
    const live = queries.map((q) => open(t, gw, q));
    const away = open(t, gw, queries[0]);
    for (const c of [...live, away]) await c.waitForOffset(gw.hub.offset);
    const since = away.lastOffset();
    away.close();
    await away.waitForClose();

    // agent-00 (q-sales, team-red) leaves q-sales and moves to team-blue; agent-01 (q-support,
    // team-blue) joins q-sales.
    const sales = AGENTS.filter((_, i) => queueOf(i) === 'q-sales');
    const moved = [...sales.filter((id) => id !== 'agent-00'), 'agent-01'];
    const results = await gw.log.append([
      ev(
        'reconcile.queue',
        { queueId: 'q-sales' },
        { queue: { id: 'q-sales', name: 'q-sales' }, members: moved.map((id) => ({ id })) },
      ),
      ev('reconcile.user', { userId: 'agent-00' }, { id: 'agent-00', team: { id: 'team-blue' } }),
    ]);
    let end = results.at(-1)!.offset;
    end = Math.max(end, await churn(gw, 1));
    const back = LiveTestClient.open(gw.url, `${queries[0]}&since=${since}`, {}, away.state);
    t.after(() => back.close());
    for (const c of [...live, back]) await c.waitForOffset(end);
    assert.equal(back.messages[0]!.type, 'resumed');

    const ids = (c: LiveTestClient) => [...c.state.agents.keys()].sort();
    assert.deepEqual(ids(live[0]!), [...moved].sort());
    assert.deepEqual(ids(back), [...moved].sort());
    assert.ok(!ids(live[1]!).includes('agent-00'), 'agent-00 left team-red');
    assert.equal(ids(live[2]!).length, 30, 'an unfiltered client keeps everyone');
    assert.ok(
      live[0]!.of('delta').some((d) => d.removed?.agents?.includes('agent-00')),
      'the queue board was told agent-00 is gone',
    );
    // Each client's state equals what a fresh snapshot with its filter gives.
    const byId = (m: Map<string, AgentView>) =>
      [...m.values()].sort((a, b) => a.id.localeCompare(b.id));
    for (const [i, c] of [...live, back].entries()) {
      const fresh = open(t, gw, queries[i % 3]);
      await fresh.waitForOffset(end);
      assert.deepEqual(byId(c.state.agents), byId(fresh.state.agents), `client ${i}`);
      assert.equal(c.orphanPatches, 0);
    }
  });

  test('a resume older than the window gets a fresh snapshot saying why', async (t) => {
    const gw = await startTestGateway(t, { live: { historyChanges: 50 } });
    const first = await seed(gw);
    await caughtUp(gw, first);
    let end = 0;
    for (let r = 0; r < 5; r++) end = await churn(gw, r);
    await caughtUp(gw, end);
    const old = open(t, gw, `?since=${first}`);
    await old.waitForOffset(end);
    const snap = old.of('snapshot')[0]!;
    assert.equal(snap.reason, 'resume-out-of-window');
    assert.equal(snap.offset, end);
    assert.equal(snap.agents!.length, 30);
    const ahead = open(t, gw, `?since=${end + 1000}`);
    await ahead.waitForOffset(end);
    assert.equal(ahead.of('snapshot')[0]!.reason, 'resume-ahead');
  });

  test('a slow client gets coalesced deltas, then is evicted with 4408 if it stays behind', async (t) => {
    const gw = await startTestGateway(t, {
      // The crowd is in no queue: shown only as agents if non-agents are.
      live: {
        highWaterBytes: 4096,
        slowClientTimeoutMs: 1500,
        maxPendingChanges: 100_000,
        showNonAgents: true,
      },
    });
    // Long names make each delta big enough to fill socket buffers quickly.
    await caughtUp(gw, await seed(gw, ` ${'x'.repeat(20_000)}`));
    const slow = open(t, gw, '?kinds=agents');
    await slow.waitForOffset(gw.hub.offset);
    const coalesced = async () => (await gw.metrics.liveCoalesced.get()).values[0]?.value ?? 0;
    const evicted = async () => (await gw.metrics.liveEvicted.get()).values[0]?.value ?? 0;

    slow.ws.pause();
    let round = 0;
    let end = 0;
    await waitFor(
      async () => {
        end = await heavyChurn(gw, round++);
        await caughtUp(gw, end);
        return gw.hub.blockedCount > 0;
      },
      { timeoutMs: 20_000, what: 'the hub to hold back deltas for the paused client' },
    );
    // More changes while blocked are merged per agent, not queued.
    end = await heavyChurn(gw, round++);
    await caughtUp(gw, end);
    slow.ws.resume();
    await slow.waitForOffset(end);
    const merged = slow.of('delta').filter((d) => d.coalesced);
    assert.ok(merged.length >= 1 && (await coalesced()) >= 1, 'a coalesced delta arrived');
    assert.ok(merged.every((d) => new Set(d.agents!.map((a) => a.id)).size === d.agents!.length));
    const want = ['INTERACTING', 'IDLE', 'NOT_RESPONDING'][(round - 1) % 3];
    assert.ok(
      [...slow.state.agents.values()].every((a) => a.routingStatus === want),
      'latest state per agent delivered',
    );
    assert.equal(slow.orphanPatches, 0);

    // Now it stays paused past the timeout.
    slow.ws.pause();
    await waitFor(
      async () => {
        await caughtUp(gw, await heavyChurn(gw, round++));
        return (await evicted()) >= 1;
      },
      { timeoutMs: 20_000, what: 'the slow client to be evicted' },
    );
    assert.equal(gw.hub.clientCount, 0);
    slow.ws.resume();
    const closed = await slow.waitForClose();
    assert.equal(closed.code, 4408);
    const error = slow.of('error')[0];
    assert.equal(error?.code, 'SB_LIVE_SLOW_CONSUMER');
  });

  test('token scopes off loopback, bad filters, ping, connection limit, SSE', async (t) => {
    const gw = await startTestGateway(t, {
      server: { trustedProxies: ['127.0.0.1/32', '::1/128'] },
      api: {
        tokens: [
          { name: 'sales-sup', secret: 'tok-sales-0123456789', scope: { queues: ['q-sales'] } },
          { name: 'blue-sup', secret: 'tok-blue-0123456789', scope: { teams: ['team-blue'] } },
          { name: 'admin', secret: 'tok-admin-0123456789' },
        ],
      },
      live: { maxClients: 6 },
    });
    await caughtUp(gw, await seed(gw));
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    const bearer = (tok: string) => ({ ...remote, authorization: `Bearer ${tok}` });

    const anonymous = open(t, gw, '', remote);
    assert.equal((await anonymous.waitForClose()).code, 4401);
    assert.equal(anonymous.of('error')[0]?.code, 'SB_AUTH_REQUIRED');

    const sales = open(t, gw, '', bearer('tok-sales-0123456789'));
    await sales.waitForOffset(gw.hub.offset);
    const snap = sales.of('snapshot')[0]!;
    assert.deepEqual(
      snap.queues!.map((q) => q.id),
      ['q-sales'],
    );
    assert.deepEqual(
      snap.agents!.map((a) => a.id).sort(),
      AGENTS.filter((_, i) => queueOf(i) === 'q-sales'),
    );
    // A user outside the scope is filtered out even when asked for by id.
    const peek = open(t, gw, '?users=agent-01,agent-03', bearer('tok-sales-0123456789'));
    await peek.waitForOffset(gw.hub.offset);
    assert.deepEqual(
      peek.of('snapshot')[0]!.agents!.map((a) => a.id),
      ['agent-03'],
    );

    const blue = open(t, gw, '?access_token=tok-blue-0123456789&kinds=agents', remote);
    await blue.waitForOffset(gw.hub.offset);
    assert.deepEqual(
      blue
        .of('snapshot')[0]!
        .agents!.map((a) => a.id)
        .sort(),
      AGENTS.filter((_, i) => teamOf(i) === 'team-blue'),
    );

    const forbidden = open(t, gw, '?queues=q-support', bearer('tok-sales-0123456789'));
    assert.equal((await forbidden.waitForClose()).code, 4403);
    assert.equal(forbidden.of('error')[0]?.code, 'SB_LIVE_FORBIDDEN');
    // The proxy's own address (127.0.0.1) is not loopback: the rest goes with the admin token.
    const admin = bearer('tok-admin-0123456789');
    const bad = open(t, gw, '?kinds=agents,gossip', admin);
    assert.equal((await bad.waitForClose()).code, 4400);
    const badSince = open(t, gw, '?since=-4', admin);
    assert.equal((await badSince.waitForClose()).code, 4400);

    // REST state APIs honour the same scope.
    const rest = (await (
      await fetch(`${gw.url}/api/v1/queues`, { headers: bearer('tok-sales-0123456789') })
    ).json()) as { queues: { id: string }[] };
    assert.deepEqual(
      rest.queues.map((q) => q.id),
      ['q-sales'],
    );
    assert.equal((await fetch(`${gw.url}/api/v1/agents`, { headers: remote })).status, 401);

    // Application ping.
    sales.ws.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => sales.of('pong').length === 1, { what: 'pong' });

    // SSE with the scoped token in the query, then resume by Last-Event-ID.
    const ctrl = new AbortController();
    t.after(() => ctrl.abort());
    const sse = await fetch(
      `${gw.url}/api/v1/live/sse?kinds=queues&access_token=tok-sales-0123456789`,
      {
        headers: remote,
        signal: ctrl.signal,
      },
    );
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = sse.body!.getReader();
    let text = '';
    await waitFor(
      async () => {
        const chunk = (await reader.read()) as { value?: Uint8Array };
        text += Buffer.from(chunk.value ?? []).toString();
        return text.includes('\n\n') && text.includes('event: snapshot');
      },
      { what: 'the SSE snapshot' },
    );
    const frame = text.slice(text.indexOf('id: '));
    assert.match(frame, new RegExp(`^id: ${gw.hub.offset}\nevent: snapshot\ndata: \\{`));
    const data = JSON.parse(frame.split('\n')[2]!.slice(6)) as { queues: { id: string }[] };
    assert.deepEqual(
      data.queues.map((q) => q.id),
      ['q-sales'],
    );
    ctrl.abort();
    const unauth = await fetch(`${gw.url}/api/v1/live/sse`, { headers: remote });
    assert.equal(unauth.status, 401);
    assert.equal(
      ((await unauth.json()) as { error: { code: string } }).error.code,
      'SB_AUTH_REQUIRED',
    );

    // Connection limit: refused at the handshake with 503 and Retry-After.
    const extra: LiveTestClient[] = [];
    while (gw.hub.clientCount < 6) {
      const c = open(t, gw, '?kinds=queues', admin);
      extra.push(c);
      await c.opened;
      await waitFor(() => c.messages.length > 0 || c.closed, { what: 'a snapshot' });
    }
    const over = open(t, gw, '?kinds=queues', admin);
    await over.waitForClose();
    assert.equal(over.refused, 503);
    const overSse = await fetch(`${gw.url}/api/v1/live/sse`, { headers: admin });
    assert.equal(overSse.status, 503);
    assert.equal(overSse.headers.get('retry-after'), '5');
  });

  test('SSE resumes from Last-Event-ID with the missed deltas; quiet clients get heartbeats', async (t) => {
    const gw = await startTestGateway(t, { live: { heartbeatMs: 150 } });
    await caughtUp(gw, await seed(gw));
    const ctrl = new AbortController();
    t.after(() => ctrl.abort());
    /** Reads SSE frames until `done` says enough; returns them parsed. */
    const readFrames = async (
      res: Response,
      done: (frames: { id?: string; event: string; data: LiveMessage }[]) => boolean,
    ) => {
      const reader = res.body!.getReader();
      const frames: { id?: string; event: string; data: LiveMessage }[] = [];
      let text = '';
      await waitFor(
        async () => {
          const chunk = (await reader.read()) as { value?: Uint8Array };
          text += Buffer.from(chunk.value ?? []).toString();
          let end;
          while ((end = text.indexOf('\n\n')) >= 0) {
            const block = text.slice(0, end);
            text = text.slice(end + 2);
            const field = (name: string) =>
              block
                .split('\n')
                .find((l) => l.startsWith(`${name}: `))
                ?.slice(name.length + 2);
            const data = field('data');
            if (data === undefined) continue;
            frames.push({
              id: field('id'),
              event: field('event')!,
              data: JSON.parse(data) as LiveMessage,
            });
          }
          return done(frames);
        },
        { what: 'SSE frames' },
      );
      await reader.cancel();
      return frames;
    };
    const first = await fetch(`${gw.url}/api/v1/live/sse?kinds=agents`, { signal: ctrl.signal });
    const opening = await readFrames(first, (f) => f.some((x) => x.event === 'snapshot'));
    const lastId = opening.find((x) => x.event === 'snapshot')!.id!;
    assert.equal(Number(lastId), gw.hub.offset);

    // Changes while the stream is gone; EventSource would send the last id it saw.
    const end = await churn(gw, 1, AGENTS.slice(0, 12));
    await caughtUp(gw, end);
    const again = await fetch(`${gw.url}/api/v1/live/sse?kinds=agents`, {
      headers: { 'last-event-id': lastId },
      signal: ctrl.signal,
    });
    const resumed = await readFrames(again, (f) =>
      f.some((x) => Number(x.id) >= end && x.event === 'delta'),
    );
    assert.equal(resumed[0]!.event, 'resumed');
    assert.equal(resumed[0]!.id, lastId, 'a drop during the replay resumes from the same point');
    assert.ok(!resumed.some((x) => x.event === 'snapshot'));
    const patched = resumed
      .filter((x) => x.event === 'delta')
      .flatMap((x) => (x.data as DeltaMessage).patches?.agents ?? []);
    assert.deepEqual(patched.map((a) => a.id).sort(), AGENTS.slice(0, 12));

    // A quiet WebSocket client hears heartbeats carrying the current offset.
    const quiet = open(t, gw, '?kinds=queues');
    await waitFor(() => quiet.of('heartbeat').length >= 2, { what: 'heartbeats' });
    assert.equal(quiet.of('heartbeat').at(-1)!.offset, gw.hub.offset);
  });
});
