import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { SqliteEventLog } from '../../src/log/sqlite-event-log.js';
import { runCli, startCli } from '../support/cli.js';
import {
  TEST_SECRET,
  postSigned,
  seedEvent,
  startTestGateway,
  tempDir,
  waitFor,
} from '../support/helpers.js';

const baseEnv = (dataDir: string) => ({
  PORT: '0',
  SWITCHBOARD_DATA_DIR: dataDir,
  SWITCHBOARD_WEBHOOK_SECRETS: TEST_SECRET,
  SWITCHBOARD_DEMO: '0',
});

/** Concurrent clients posting unique signed events until stopped; returns the ids answered 200. */
function loadClients(url: string, clients: number) {
  const acked: string[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const event = seedEvent();
      try {
        const res = await postSigned(url, JSON.stringify(event));
        if (res.status === 200 && res.body.accepted === 1) acked.push(String(event.notificationId));
      } catch {
        return; // the server went away
      }
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function storedIds(dataDir: string): Promise<Map<string, number>> {
  const log = await SqliteEventLog.open({ path: join(dataDir, 'switchboard.db') });
  try {
    const counts = new Map<string, number>();
    let after = 0;
    for (;;) {
      const page = await log.read(after, 1000);
      if (page.length === 0) return counts;
      for (const e of page) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
      after = page[page.length - 1]!.offset;
    }
  } finally {
    await log.close();
  }
}

describe('switchboard CLI', () => {
  test('bad arguments and invalid config exit 2 with a one-line reason', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['start'],
        { PORT: 'abc', SWITCHBOARD_DEMO: '0' },
        /^switchboard: invalid config: server\.port: .*PORT/,
      ],
      [
        ['start', '--config', '/no/such.yaml'],
        {},
        /^switchboard: config file \/no\/such\.yaml: cannot read/,
      ],
      [['start', '--bogus'], {}, /^switchboard: Unknown option '--bogus'/],
      [['frobnicate'], {}, /^switchboard: unknown command "frobnicate"/],
      [[], {}, /^switchboard: missing command/],
    ];
    for (const [args, env, pattern] of cases) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    }
  });

  test('start logs its listening line, serves, and on SIGTERM drains in-flight requests and exits 0', async (t) => {
    const dataDir = tempDir(t);
    const cli = await startCli(['start'], { ...baseEnv(dataDir), SWITCHBOARD_LOG_LEVEL: 'debug' });
    t.after(() => cli.child.kill('SIGKILL'));
    assert.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${cli.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${cli.url}/readyz`)).status, 200);
    const load = loadClients(cli.url, 16);
    await waitFor(() => load.acked.length >= 200, { timeoutMs: 20_000, what: '200 acks' });
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    await load.stop();
    assert.equal(code, 0, cli.stderr.join('\n'));
    const stored = await storedIds(dataDir);
    for (const id of load.acked) assert.equal(stored.get(id), 1, `acked ${id} stored once`);
    const output = [...cli.stdout, ...cli.stderr].join('\n');
    assert.ok(!output.includes(TEST_SECRET), 'the webhook secret never appears in the logs');
  });

  test('crash test: SIGKILL at a random moment under load loses no acknowledged event', async (t) => {
    const dataDir = tempDir(t);
    const cli = await startCli(['start'], baseEnv(dataDir));
    t.after(() => cli.child.kill('SIGKILL'));
    const load = loadClients(cli.url, 24);
    const target = 300 + Math.floor(Math.random() * 2000);
    await waitFor(() => load.acked.length >= target, { timeoutMs: 30_000, what: `${target} acks` });
    await new Promise((r) => setTimeout(r, Math.random() * 100)); // land anywhere in a commit
    cli.child.kill('SIGKILL');
    assert.equal((await cli.exited).signal, 'SIGKILL');
    await load.stop();
    const acked = [...load.acked];
    assert.ok(acked.length >= target);

    // Restart on the same data: everything acked is there exactly once, and ingest resumes.
    const again = await startCli(['start'], baseEnv(dataDir));
    const stored = new Map<string, number>();
    let after = 0;
    for (;;) {
      const res = await fetch(`${again.url}/api/v1/events?after=${after}&limit=1000`);
      const page = (await res.json()) as { events: { id: string }[]; next: number };
      if (page.events.length === 0) break;
      for (const e of page.events) stored.set(e.id, (stored.get(e.id) ?? 0) + 1);
      after = page.next;
    }
    for (const id of acked)
      assert.equal(stored.get(id), 1, `acked ${id} must be stored exactly once`);
    for (const [id, n] of stored) assert.equal(n, 1, `${id} stored ${n} times`);
    const fresh = await postSigned(
      again.url,
      JSON.stringify(seedEvent({ notificationId: randomUUID() })),
    );
    assert.equal(fresh.status, 200);
    // A resend of an acked event after the crash is still recognised as a duplicate.
    const resend = await postSigned(
      again.url,
      JSON.stringify(seedEvent({ notificationId: acked[0] })),
    );
    assert.deepEqual(resend.body, { accepted: 0, duplicates: 1 });
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
  });

  for (const [mode, paths] of [
    ['stream', ['webhook', 'stream']],
    ['push', ['webhook', 'eventbridge']],
  ] as const) {
    test(`demo mode (${mode}): with no Genesys credentials the in-process emulator feeds the gateway`, async (t) => {
      const dataDir = tempDir(t);
      const cli = await startCli(['start'], {
        PORT: '0',
        EMULATOR_PORT: '0',
        SWITCHBOARD_DATA_DIR: dataDir,
        // The stream is the demo's default; push is one setting away.
        ...(mode === 'push' ? { SWITCHBOARD_SOURCE: 'push' } : {}),
      });
      t.after(() => cli.child.kill('SIGKILL'));
      // Read the log page by page as it grows (reconcile's seed may fill the first page).
      const seen = { sources: new Set<string>(), kinds: new Set<string>(), after: 0 };
      const readMore = async () => {
        const res = await fetch(`${cli.url}/api/v1/events?after=${seen.after}&limit=1000`);
        const body = (await res.json()) as {
          events: { source: string; kind: string }[];
          next: number;
        };
        for (const e of body.events) {
          seen.sources.add(e.source);
          seen.kinds.add(e.kind);
        }
        seen.after = body.next;
      };
      const wait = { timeoutMs: 20_000, intervalMs: 250 };
      await waitFor(
        async () => {
          await readMore();
          return paths.every((p) => seen.sources.has(p));
        },
        { ...wait, what: `events from the emulator over ${paths.join(' and ')}` },
      );
      if (mode === 'stream') assert.ok(!seen.sources.has('eventbridge'), 'nothing pushed twice');
      await waitFor(
        async () => {
          await readMore();
          return ['user.routing', 'user.presence', 'user.activity'].some((k) => seen.kinds.has(k));
        },
        { ...wait, what: 'agent presence or routing events' },
      );
      cli.child.kill('SIGTERM');
      assert.equal((await cli.exited).code, 0);
    });
  }

  test('start --agents N sizes the demo floor; a bad value, or one outside demo mode, exits 2', async (t) => {
    for (const bad of ['0', '20001', '12.5', 'many', '']) {
      const r = await runCli(['start', '--agents', bad], { SWITCHBOARD_DEMO: '1' });
      assert.equal(r.code, 2, `--agents "${bad}": ${r.stderr}`);
      assert.match(r.stderr, /--agents must be an integer from 1 to 20000/);
    }
    const off = await runCli(['start', '--agents', '40'], baseEnv(tempDir(t)));
    assert.equal(off.code, 2, off.stderr);
    assert.match(off.stderr, /--agents .* demo mode only/);

    const cli = await startCli(['start', '--agents', '37'], {
      PORT: '0',
      EMULATOR_PORT: '0',
      SWITCHBOARD_DATA_DIR: tempDir(t),
    });
    t.after(() => cli.child.kill('SIGKILL'));
    // The gateway seeds its agents from the emulator's directory: the floor it was asked for.
    await waitFor(
      async () => {
        const body = (await (await fetch(`${cli.url}/api/v1/agents`)).json()) as {
          agents: unknown[];
        };
        return body.agents.length === 37;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'the 37 agents asked for' },
    );
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  test('switchboard emulator --webhook runs a center against any receiver; bad arguments exit 2', async (t) => {
    const gw = await startTestGateway(t);
    const cli = await startCli(
      [
        'emulator',
        '--port',
        '0',
        '--agents',
        '100',
        '--speed',
        '50',
        '--seed',
        '3',
        '--webhook',
        `${gw.url}/ingest/webhook`,
        '--webhook-secret',
        TEST_SECRET,
        '--fault',
        'duplicates:ratio=0.5,seconds=600',
      ],
      {},
      20_000,
      /^emulator listening on (http:\/\/\S+)$/,
    );
    t.after(() => cli.child.kill('SIGKILL'));
    const truth = (await (await fetch(`${cli.url}/emulator/truth`)).json()) as {
      agents: unknown[];
      queues: unknown[];
    };
    assert.equal(truth.agents.length, 100);
    await waitFor(async () => (await gw.log.stats()).eventCount > 20, {
      timeoutMs: 20_000,
      what: 'signed pushes stored',
    });
    // --fault duplicates applied from the command line: the gateway sees (and drops) copies.
    const duplicated = /switchboard_duplicates_total\{source="webhook"\} [1-9]/;
    await waitFor(async () => duplicated.test(await (await fetch(`${gw.url}/metrics`)).text()), {
      timeoutMs: 20_000,
      what: 'duplicate deliveries',
    });
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    for (const [args, pattern] of [
      [['emulator', '--agents', 'many'], /--agents must be an integer/],
      [['emulator', '--speed', '1000'], /--speed must be an integer from 1 to 100/],
      [['emulator', '--webhook', 'not a url', '--webhook-secret', 's'], /--webhook must be a URL/],
      [['emulator', '--webhook', 'http://127.0.0.1:1/x'], /--webhook needs --webhook-secret/],
      [['emulator', '--port', '0', '--fault', 'gremlins'], /--fault: unknown fault "gremlins"/],
      [['emulator', '--port', '0', '--fault', 'slow:ms'], /--fault slow:ms: expected key=value/],
    ] as const) {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });

  test('the built bin runs (npm install and npm test build dist/)', () => {
    assert.ok(existsSync('dist/main.js'), 'dist/main.js is built');
    const out = execFileSync(process.execPath, ['bin/switchboard.js', '--help'], {
      encoding: 'utf8',
    });
    assert.match(out, /usage: switchboard <command>/);
  });
});
