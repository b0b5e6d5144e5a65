/**
 * Issue 14's fault test, end to end: one gateway child process with three data targets (the
 * lake, PostgreSQL, RabbitMQ) and one route `{}` sending every event to all three, SIGKILLed at
 * seeded-random moments while events are pushed and the targets are writing, restarted each
 * time on the same data dir and config. Afterwards:
 * - the lake holds every event exactly once, in well-formed files (no torn line, offsets
 *   ascending, each file named by its first offset), byte-identical to a reference lake
 *   written from the same log by a BronzeWriter that was never interrupted;
 * - PostgreSQL holds each event id once;
 * - RabbitMQ has every event at least once, every copy of an id with the same body, so a
 *   consumer that dedupes by message-id gets each event once.
 * Set SB_E2E_SEED to replay a run's kill moments and event sizes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { connect, type GetMessage } from 'amqplib';
import pg from 'pg';
import { createEventLog } from '../../src/log/create-event-log.js';
import { BronzeWriter, fileName } from '../../src/sinks/lake/bronze.js';
import { postSigned, seedEvent, tempDir, testConfig, waitFor } from '../support/helpers.js';
import { requireService } from '../support/services.js';
import { targetStats } from '../support/targets.js';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const MAX_FILE_BYTES = 4096;
const EVENTS = 600;
const PER_REQUEST = 20;
const KILLS = 3;
const TARGETS = ['lake', 'pg', 'bus'] as const;

/** mulberry32: a small seeded PRNG, so a failing run's moments can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LogEvent {
  offset: number;
  id: string;
  kind: string;
}

async function logEvents(url: string): Promise<LogEvent[]> {
  const all: LogEvent[] = [];
  for (let after = 0; ;) {
    const res = await fetch(`${url}/api/v1/events?after=${after}&limit=500`);
    assert.equal(res.status, 200);
    const page = (await res.json()) as { events: LogEvent[]; next: number };
    if (page.events.length === 0) break;
    all.push(...page.events);
    after = page.next;
  }
  return all;
}

/** Every `.ndjson` under `dir`, as paths relative to it, sorted. */
function ndjsonFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ndjson')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

interface Child {
  proc: ChildProcess;
  exited: Promise<unknown>;
  url: Promise<string>;
  output: () => string;
}

describe('data targets (lake, PostgreSQL, RabbitMQ) under SIGKILL', () => {
  test('SIGKILLs while three targets write: lake has each event once in identical files, PostgreSQL each id once, RabbitMQ every id with identical copies', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    if (!(await requireService(t, 'rabbitmq'))) return;

    const seed = Number(process.env.SB_E2E_SEED ?? randomBytes(4).readUInt32BE(0));
    const random = prng(seed);
    t.diagnostic(`seed ${seed} (SB_E2E_SEED=${seed} replays it)`);

    const dir = tempDir(t, 'sb-e2e-data-');
    const lakeDir = join(dir, 'lake');
    const suffix = randomBytes(5).toString('hex');
    const schema = `sb_e2e_${suffix}`;
    const exchange = `sb-e2e-${suffix}`;
    const queue = `${exchange}-q`;

    const children: Child[] = [];
    const pgClient = new pg.Client({ connectionString: PG_URL, application_name: 'sb-e2e' });
    const amqp = await connect(AMQP_URL);
    const admin = await amqp.createChannel();
    // One hook, in order: the gateways go first, then what they wrote to.
    t.after(async () => {
      for (const c of children) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
      await admin.deleteQueue(queue).catch(() => undefined);
      await admin.deleteExchange(exchange).catch(() => undefined);
      await amqp.close().catch(() => undefined);
      await pgClient.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await pgClient.end().catch(() => undefined);
    });
    await pgClient.connect();
    await admin.assertExchange(exchange, 'topic', { durable: true });
    await admin.assertQueue(queue, { durable: true });
    await admin.bindQueue(queue, exchange, '#');

    const overrides = {
      sinks: {
        targets: [
          { name: 'lake', type: 'lake', path: lakeDir, maxFileBytes: MAX_FILE_BYTES },
          { name: 'pg', type: 'postgres', url: PG_URL, schema },
          { name: 'bus', type: 'amqp', url: AMQP_URL, exchange },
        ],
        routes: [{ name: 'everything', pattern: {}, targets: [...TARGETS] }],
      },
    };

    const start = (): Child => {
      const proc = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/support/guarded-gateway-child.ts',
          'plain',
          dir,
          JSON.stringify(overrides),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      // Both streams read, so a chatty child never blocks on a full pipe; only the tail kept.
      const keep = (c: string) => (out = (out + c).slice(-20_000));
      proc.stdout.setEncoding('utf8').on('data', keep);
      proc.stderr.setEncoding('utf8').on('data', keep);
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      const child: Child = {
        proc,
        exited,
        output: () => out,
        url: Promise.race([
          waitFor(() => /^url (\S+)$/m.exec(out)?.[1], {
            timeoutMs: 30_000,
            intervalMs: 20,
            what: 'the gateway to listen',
          }),
          exited.then(() => {
            throw new Error(`the gateway exited before listening:\n${out}`);
          }),
        ]),
      };
      child.url.catch(() => undefined);
      children.push(child);
      return child;
    };

    // The events, sizes seeded: three kinds (three lake partitions, three routing keys), padding
    // so the 4 KiB files are cut at varying points.
    const kinds = ['interaction', 'callEvent', 'queueEvent'];
    const events = Array.from({ length: EVENTS }, (_, i) =>
      seedEvent({
        notificationId: `n-${suffix}-${String(i).padStart(4, '0')}`,
        eventType: kinds[i % 3],
        pad: 'x'.repeat(Math.floor(random() * 400)),
      }),
    );
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < EVENTS; i += PER_REQUEST) batches.push(events.slice(i, i + PER_REQUEST));
    const killAt = Array.from({ length: KILLS }, (_, k) => {
      const span = EVENTS / (KILLS + 1);
      return Math.floor(span * (k + 0.5) + random() * span);
    });
    // Kills land 0–30 ms after an acknowledged request: while the targets write what it brought.
    const killDelays = killAt.map(() => Math.floor(random() * 30));

    let current = start();
    const acked = new Set<string>();
    let resent = 0;

    const pusher = (async () => {
      for (const batch of batches) {
        const body = JSON.stringify(batch);
        for (let attempt = 0; ; attempt++) {
          assert.ok(attempt < 1000, 'a batch was never acknowledged');
          try {
            const res = await postSigned(await current.url, body);
            if (res.status === 200) {
              assert.equal(Number(res.body.accepted) + Number(res.body.duplicates), batch.length);
              for (const e of batch) acked.add(String(e.notificationId));
              break;
            }
          } catch {
            // The gateway died under the request: sent again (same ids) to the next one.
          }
          resent++;
          await sleep(5);
        }
        await sleep(5);
      }
    })();

    const kills: string[] = [];
    const killer = (async () => {
      for (const [k, at] of killAt.entries()) {
        await waitFor(() => acked.size >= at, {
          timeoutMs: 30_000,
          what: `${at} events acknowledged`,
        });
        await sleep(killDelays[k]!);
        const url = await current.url;
        const lags = await targetStats(url).then(
          (ts) => ts.map((s) => `${s.name}:${s.lag}`).join(' '),
          () => '?',
        );
        current.proc.kill('SIGKILL');
        await current.exited;
        kills.push(`after ${acked.size} acked (+${killDelays[k]} ms), lag ${lags}`);
        current = start();
        await current.url;
      }
    })();
    await Promise.all([pusher, killer]);
    t.diagnostic(`kills: ${kills.join('; ')}; ${resent} requests re-sent`);
    assert.equal(acked.size, EVENTS);

    const url = await current.url;
    const final = await waitFor(
      async () => {
        const ts = await targetStats(url);
        return ts.length === TARGETS.length && ts.every((s) => s.lag === 0) ? ts : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'every target caught up (lag 0)' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${current.output()}`);
    });
    for (const s of final) {
      assert.equal(
        s.dlqDepth,
        0,
        `${s.name}: nothing dead-lettered (${s.lastError?.message ?? 'no error'})`,
      );
    }
    const log = await logEvents(url);
    const logIds = new Set(log.map((e) => e.id));
    assert.equal(logIds.size, log.length, 'the log holds each id once');
    for (const id of acked) assert.ok(logIds.has(id), `${id} acknowledged and in the log`);
    const logBody = new Map<string, string>();

    // (1, 2) The lake: every event exactly once, well-formed files.
    const bronze = join(lakeDir, 'bronze');
    const files = ndjsonFiles(bronze);
    const seenOffsets = new Set<number>();
    const idCount = new Map<string, number>();
    for (const file of files) {
      const text = readFileSync(join(bronze, file), 'utf8');
      assert.ok(text.endsWith('\n'), `${file}: no torn last line`);
      const lines = text.slice(0, -1).split('\n');
      const rows = lines.map((l) => {
        try {
          return JSON.parse(l) as { offset: number; id: string; kind: string; body: string };
        } catch {
          assert.fail(`${file}: a line that is not JSON: ${l.slice(0, 120)}`);
        }
      });
      const base = file.slice(file.lastIndexOf('/') + 1);
      assert.equal(base, fileName(rows[0]!.offset), `${file}: named by its first offset`);
      assert.ok(file.startsWith(`kind=${rows[0]!.kind}/`), `${file}: in its kind's partition`);
      let previous = 0;
      for (const row of rows) {
        assert.ok(row.offset > previous, `${file}: offsets ascending (${row.offset})`);
        previous = row.offset;
        assert.ok(!seenOffsets.has(row.offset), `offset ${row.offset} in the lake twice`);
        seenOffsets.add(row.offset);
        idCount.set(row.id, (idCount.get(row.id) ?? 0) + 1);
        logBody.set(row.id, row.body);
      }
    }
    for (const id of acked) assert.equal(idCount.get(id), 1, `${id} in the lake exactly once`);
    assert.equal(seenOffsets.size, log.length, 'the lake holds every logged event');

    // (3) PostgreSQL: each id once.
    const { rows: counts } = await pgClient.query<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM ${schema}.events`,
    );
    assert.deepEqual(counts[0], { n: log.length, d: log.length }, 'PostgreSQL: each id once');
    const { rows: pgIds } = await pgClient.query<{ event_id: string }>(
      `SELECT event_id FROM ${schema}.events`,
    );
    const inPg = new Set(pgIds.map((r) => r.event_id));
    for (const id of acked) assert.ok(inPg.has(id), `${id} in PostgreSQL`);

    // (4) RabbitMQ: every id at least once; every copy of an id the same bytes.
    const got: GetMessage[] = [];
    for (;;) {
      const m = await admin.get(queue, { noAck: true });
      if (m === false) break;
      got.push(m);
    }
    const byId = new Map<string, Buffer>();
    for (const m of got) {
      const id = String(m.properties.messageId);
      assert.ok(logIds.has(id), `message-id ${id} is a logged event`);
      const first = byId.get(id);
      if (first) assert.ok(first.equals(m.content), `${id}: every copy has the same body`);
      else byId.set(id, m.content);
    }
    for (const id of acked) {
      const content = byId.get(id);
      assert.ok(content, `${id} reached RabbitMQ`);
      assert.equal(content.toString('utf8'), logBody.get(id), `${id}: the bytes the lake holds`);
    }
    const amqpDuplicates = got.length - byId.size;

    // (2) Byte-identical to a lake never interrupted: the same log through one BronzeWriter.
    current.proc.kill('SIGKILL');
    await current.exited;
    const refDir = tempDir(t, 'sb-e2e-ref-');
    const eventLog = await createEventLog(testConfig(dir, overrides));
    const writer = new BronzeWriter({
      root: join(refDir, 'bronze'),
      maxFileBytes: MAX_FILE_BYTES,
      maxFileAgeMs: 3_600_000,
    });
    try {
      for (let after = 0; ;) {
        const page = await eventLog.read(after, 1000);
        if (page.length === 0) break;
        await writer.write(page);
        after = page[page.length - 1]!.offset;
      }
    } finally {
      await writer.close();
      await eventLog.close();
    }
    const refFiles = ndjsonFiles(join(refDir, 'bronze'));
    assert.deepEqual(files, refFiles, 'the same files as a lake never interrupted');
    for (const file of files) {
      assert.ok(
        readFileSync(join(bronze, file)).equals(readFileSync(join(refDir, 'bronze', file))),
        `${file}: byte-identical to the uninterrupted lake`,
      );
    }

    t.diagnostic(
      `${log.length} events; lake ${files.length} files, 0 duplicates; PostgreSQL ${counts[0].n} rows, ` +
        `0 duplicates; RabbitMQ ${got.length} messages, ${amqpDuplicates} duplicates by message-id; ` +
        `delivered since last start: ${final.map((s) => `${s.name}=${s.delivered}`).join(' ')}`,
    );
  });
});
