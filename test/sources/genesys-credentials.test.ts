/**
 * A gateway given credentials Genesys refuses (issue 12, point 1: "bad credentials → a clear
 * error with a stable code and no secret in it"). The emulator's token endpoint answers a wrong
 * secret as Genesys does (401 `invalid_client`, OAuth error body: FACTS §4.2). The gateway still
 * starts and serves; the stream and the reconcile run say `SB_GENESYS_CREDENTIALS_REJECTED`
 * with the client id and where to look, and the secret appears nowhere: not on /readyz, not in
 * the reconcile answer, not in the logs.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { startGateway } from '../../src/gateway.js';
import { credentialsEnv, startTestEmulator } from '../support/emulator.js';
import { tempDir, waitFor } from '../support/helpers.js';

const SECRET = 'wrong-secret-5f1c9a';

describe('Genesys refuses the OAuth client', () => {
  test('the gateway serves; the sources say SB_GENESYS_CREDENTIALS_REJECTED, never the secret', async (t) => {
    const emu = await startTestEmulator(t, { agents: 5, queues: 1, seed: 3 });
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const config = loadConfig({
      env: { ...credentialsEnv(emu, tempDir(t)), GENESYS_CLIENT_SECRET: SECRET },
    });
    assert.equal(config.source.mode, 'stream');
    const gw = await startGateway(config, { logger, defaultMetrics: false });
    t.after(() => gw.close());
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200, 'the gateway serves');

    type Ready = { sources: Record<string, { state: string; detail?: string }> };
    let ready: Ready | undefined;
    let readyText = '';
    await waitFor(
      async () => {
        readyText = await (await fetch(`${gw.url}/readyz`)).text();
        ready = JSON.parse(readyText) as Ready;
        return /SB_GENESYS_CREDENTIALS_REJECTED/.test(ready.sources.stream?.detail ?? '');
      },
      { timeoutMs: 10_000, what: 'the stream to report the refused credentials' },
    );
    const detail = ready!.sources.stream!.detail!;
    assert.notEqual(ready!.sources.stream!.state, 'running');
    assert.match(detail, /invalid_client/, "Genesys's own code is kept");
    assert.match(detail, /client id "demo-client"/);
    assert.match(detail, /GENESYS_CLIENT_SECRET/, 'says where to look');

    const run = await fetch(`${gw.url}/api/v1/reconcile`, { method: 'POST' });
    assert.equal(run.status, 502);
    const body = (await run.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'SB_RECONCILE_FAILED');
    assert.match(
      body.error.message,
      /SB_GENESYS_CREDENTIALS_REJECTED: Genesys POST \/oauth\/token failed/,
    );

    for (const [where, text] of [
      ['/readyz', readyText],
      ['the reconcile answer', JSON.stringify(body)],
      ['the logs', lines.join('')],
    ] as const)
      assert.ok(!text.includes(SECRET), `the secret is not in ${where}`);
    assert.ok(
      lines.some((l) => l.includes('SB_GENESYS_CREDENTIALS_REJECTED')),
      'the log says it too',
    );
  });
});
