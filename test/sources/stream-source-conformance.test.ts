/**
 * The Source conformance suite on the Notification API stream (StreamSource), against a fresh
 * in-process emulator per test: a small floor in virtual time (nothing happens on it unless the
 * test says so), no heartbeats, fast reconnects.
 *
 * A delivery is one `v2.users.{id}.activity` message the emulator publishes on the stream's
 * topic, with a CorrelationId chosen here, so its log id (topic + CorrelationId) is known. The
 * stream answers Genesys nothing, so what the suite calls the ack is the point where the source
 * took responsibility for the message: the append that carries it resolved (or, refused, its
 * code). The harness sees that by observing the appender the suite hands the source, below the
 * source's own lifecycle. A message published while no socket of the stream is open is unheard
 * (see `Delivery` in source-suite.ts).
 */
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { SwitchboardError } from '../../src/errors.js';
import type { Emulator } from '../../src/emulator/emulator.js';
import { activityBody } from '../../src/emulator/render/topics.js';
import { GenesysRestClient } from '../../src/genesys/rest-client.js';
import { createMetrics } from '../../src/ops/metrics.js';
import type { Appender, Source, SourceContext, SourceHealth } from '../../src/sources/source.js';
import { StreamSource } from '../../src/sources/stream/stream-source.js';
import { startTestEmulator } from '../support/emulator.js';
import { tempDir, testConfig, waitFor } from '../support/helpers.js';
import { runSourceSuite, type Delivery, type SourceHarness } from './source-suite.js';

type Outcome = { acked: true } | { acked: false; code: string | undefined };

/**
 * The StreamSource itself, with the appender it is started with observed: the outcome of the
 * append that carries an expected event id is handed to whoever expects it.
 */
class ObservedStream implements Source {
  readonly name: string;
  readonly kind: Source['kind'];
  readonly #inner: StreamSource;
  readonly #expected = new Map<string, (outcome: Outcome) => void>();

  constructor(inner: StreamSource) {
    this.#inner = inner;
    this.name = inner.name;
    this.kind = inner.kind;
  }

  /** Resolves with the outcome of the first append that carries `id`. */
  expect(id: string): Promise<Outcome> {
    return new Promise((resolve) => this.#expected.set(id, resolve));
  }

  start(ctx: SourceContext): Promise<void> {
    return this.#inner.start({ ...ctx, append: this.#observe(ctx.append) });
  }

  stop(): Promise<void> {
    return this.#inner.stop();
  }

  health(): SourceHealth {
    return this.#inner.health();
  }

  #observe(inner: Appender): Appender {
    const settle = (ids: readonly string[], outcome: Outcome) => {
      for (const id of ids) {
        const resolve = this.#expected.get(id);
        if (!resolve) continue;
        this.#expected.delete(id);
        resolve(outcome);
      }
    };
    return {
      append: async (events) => {
        const ids = events.map((e) => e.id);
        try {
          const results = await inner.append(events);
          settle(ids, { acked: true });
          return results;
        } catch (err) {
          settle(ids, {
            acked: false,
            code: err instanceof SwitchboardError ? err.code : String(err),
          });
          throw err;
        }
      },
      quarantine: (entry) => inner.quarantine(entry),
      pendingEvents: () => inner.pendingEvents(),
    };
  }
}

interface StreamHarness extends SourceHarness {
  readonly emu: Emulator;
}

/** Whether a socket of a channel subscribed to `topic` is open at the emulator. */
function listening(emu: Emulator, topic: string): boolean {
  for (const ch of emu.channels.subscribers(topic) ?? []) {
    if (ch.socket?.readyState === WebSocket.OPEN) return true;
  }
  return false;
}

runSourceSuite('stream (against the emulator)', {
  gapOnAppendFailure: true,
  async create(t: TestContext): Promise<StreamHarness> {
    const emu = await startTestEmulator(t, { agents: 4, queues: 1, seed: 7 });
    const agent = emu.sim.org.agents[0]!;
    const topic = `v2.users.${agent.id}.activity`;
    const dir = tempDir(t, 'sb-stream-conf-');
    const stream = new StreamSource({
      client: new GenesysRestClient({
        apiBase: emu.url,
        clientId: 'demo-client',
        clientSecret: 'demo-secret',
        baseRetryDelayMs: 10,
      }),
      topics: async () => [topic],
      metrics: createMetrics({ defaultMetrics: false }),
      config: testConfig(dir),
      backoffBaseMs: 20,
      backoffCapMs: 200,
      refreshIntervalMs: 0,
    });
    const source = new ObservedStream(stream);
    return {
      source,
      emu,
      async deliver(): Promise<Delivery> {
        // A stopped stream has closed its socket; the emulator sees it closed a moment later.
        // Published before that, the message would reach a socket the stream no longer reads.
        if (source.health().state === 'stopped') {
          await waitFor(() => !listening(emu, topic), {
            what: "the emulator to see the stopped stream's socket closed",
          });
        }
        if (!listening(emu, topic)) return { acked: false, unheard: true };
        const correlationId = emu.newCorrelationId();
        const id = `${topic}:${correlationId}`;
        const outcome = source.expect(id);
        const state = emu.sim.agents.get(agent.id)!;
        emu.publish(
          { topicName: topic, eventBody: activityBody(state), at: emu.sim.now },
          correlationId,
        );
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          outcome,
          new Promise<Outcome>((resolve) => {
            timer = setTimeout(
              () =>
                resolve({ acked: false, code: 'harness: no append carried the message in 5 s' }),
              5000,
            );
          }),
        ]);
        clearTimeout(timer);
        // The source's lifecycle sees the append's outcome right after the observer does
        // (lastEventAt, the gap window): one turn of the event loop lets it catch up.
        await new Promise((resolve) => setImmediate(resolve));
        return result.acked ? { acked: true, ids: [id] } : result;
      },
    };
  },
  async induceGap(harness) {
    const h = harness as StreamHarness;
    // The stream dates a gap from the last message it heard (it cannot know when Genesys began
    // dropping): one heard now, so the window begins after the suite's `before`.
    const d = await h.deliver();
    if (!d.acked)
      throw new Error(`the delivery before the drop was not acked: ${JSON.stringify(d)}`);
    h.emu.faults.apply('drop-sockets', { code: 1006 });
  },
});
