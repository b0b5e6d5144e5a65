/**
 * Emulator throughput (issue 3): the emulator must never be the bottleneck.
 * - Generation: a 5,000-agent center simulated as fast as it runs, counting rendered Genesys
 *   messages (topic bodies and guide payloads); baseline: the bare model's domain events.
 * - Pushes: signed guide webhooks to a fast receiver in another process (32 connections, the
 *   default per-target concurrency); baseline: the same receiver driven by a plain undici pool
 *   with no signing or retry bookkeeping.
 */
import { Pool } from 'undici';
import { buildOrg } from '../src/emulator/model/org.js';
import { Simulation } from '../src/emulator/model/simulation.js';
import { startEmulator } from '../test/support/emulator.js';

const START = Date.parse('2026-11-23T08:00:00Z');
const VIRTUAL_MS = 2 * 3600_000;
const PUSHES = 60_000;

export interface EmulatorBenchResult {
  modelEventsPerSec: number;
  generatedPerSec: number;
  baselinePushPerSec: number;
  pushPerSec: number;
}

function rate(count: number, startedAt: number): number {
  return count / ((performance.now() - startedAt) / 1000);
}

export async function emulatorBench(
  receiverUrl: string,
  log: (m: string) => void,
): Promise<EmulatorBenchResult> {
  log('emulator: bare model, 5,000 agents');
  const sim = new Simulation({
    org: buildOrg({ agents: 5000, queues: 12, seed: 1 }),
    seed: 1,
    startMs: START,
  });
  let t = performance.now();
  sim.advanceTo(START + VIRTUAL_MS);
  const modelEventsPerSec = rate(sim.eventCount, t);

  log('emulator: rendered generation, 5,000 agents, every message serialized to JSON');
  let rendered = 0;
  let bytes = 0;
  const emu = await startEmulator({
    agents: 5000,
    queues: 12,
    seed: 1,
    startMs: START,
    // An in-process consumer: every topic envelope and guide payload, as JSON text.
    sink: (text) => {
      rendered++;
      bytes += text.length;
    },
  });
  // Guide payloads are rendered only while some webhook subscription exists.
  emu.addWebhook({
    name: 'render-only',
    url: receiverUrl,
    secret: 's',
    encoding: 'hex',
    status: 'PUBLISHED',
    events: [],
  });
  t = performance.now();
  emu.advance(VIRTUAL_MS);
  const generatedPerSec = rate(rendered, t);
  await emu.stop();
  log(`emulator: ${rendered} messages, ${Math.round(bytes / Math.max(1, rendered))} B on average`);

  const body = JSON.stringify({
    notificationId: 'bench',
    eventType: 'interaction',
    data: { pad: 'x'.repeat(800) },
  });
  log('emulator: baseline undici pool, no signing');
  const pool = new Pool(new URL(receiverUrl).origin, { connections: 32 });
  t = performance.now();
  let inflight = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    let sent = 0;
    const pump = () => {
      while (inflight < 32 && sent < PUSHES) {
        sent++;
        inflight++;
        void pool
          .request({
            path: '/',
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          })
          .then(async (res) => {
            await res.body.dump();
            inflight--;
            if (++done === PUSHES) resolve();
            else pump();
          });
      }
    };
    pump();
  });
  const baselinePushPerSec = rate(PUSHES, t);
  await pool.close();

  log('emulator: signed webhook pushes');
  const pusher = await startEmulator({ agents: 10, queues: 1 });
  const sub = pusher.addWebhook({
    name: 'bench',
    url: receiverUrl,
    secret: 'bench-secret',
    encoding: 'hex',
    status: 'PUBLISHED',
    events: [],
  });
  t = performance.now();
  for (let i = 0; i < PUSHES; i++) sub.dispatcher.push(body);
  await sub.dispatcher.idle();
  const pushPerSec = rate(sub.dispatcher.stats.delivered, t);
  await pusher.stop();
  return { modelEventsPerSec, generatedPerSec, baselinePushPerSec, pushPerSec };
}
