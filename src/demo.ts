import { randomBytes } from 'node:crypto';
import type { Config, Secret } from './config/index.js';
import { Emulator } from './emulator/emulator.js';

const DEMO_WARMUP_MS = 6 * 60_000;

/** Secrets generated for one demo run: the gateway verifies with them, the emulator signs with them. */
export interface DemoSecrets {
  webhookSecret: string;
  eventbridgeApiKey: string;
}

/**
 * The demo's shared secrets and the config overrides that make the gateway accept what the
 * emulator sends: an active secret already configured (e.g. SWITCHBOARD_WEBHOOK_SECRETS) is
 * reused, otherwise one is generated for this run and added to the configured ones.
 */
export function demoSetup(probe: Config): {
  secrets: DemoSecrets;
  overrides: Record<string, unknown>;
} {
  const active = (list: readonly Secret[]) => list.find((s) => !s.retired)?.reveal();
  // The emulator signs X-Genesys-Webhook-Signature, which only a `genesys` secret verifies.
  const genesys = probe.ingest.webhook.secrets.filter((s) => s.scheme === 'genesys');
  const secrets: DemoSecrets = {
    webhookSecret: active(genesys) ?? randomBytes(24).toString('base64url'),
    eventbridgeApiKey:
      active(probe.ingest.eventbridge.apiKeys) ?? randomBytes(24).toString('base64url'),
  };
  const keepOne = (s: Secret) => ({ name: s.name, secret: s.reveal(), retired: s.retired });
  const keep = (list: readonly Secret[]) => list.map(keepOne);
  return {
    secrets,
    overrides: {
      ingest: {
        webhook: {
          secrets: [
            ...probe.ingest.webhook.secrets.map((s) => ({ ...keepOne(s), scheme: s.scheme })),
            { name: 'demo-emulator', secret: secrets.webhookSecret, scheme: 'genesys' },
          ],
        },
        eventbridge: {
          apiKeys: [
            ...keep(probe.ingest.eventbridge.apiKeys),
            { name: 'demo-emulator', secret: secrets.eventbridgeApiKey },
          ],
        },
      },
    },
  };
}

/**
 * Demo mode (no Genesys credentials): the emulator runs in this process and the gateway follows
 * it the way it follows a real org — over the Notification API stream (`source.mode` stream, the
 * default), or, with `SWITCHBOARD_SOURCE=push`, by EventBridge envelopes the emulator posts to
 * /ingest/eventbridge as an API destination would — plus the guides' signed webhook events to
 * /ingest/webhook either way.
 */
export async function startDemoEmulator(
  config: Config,
  gatewayUrl: string,
  secrets: DemoSecrets,
  floor: { agents?: number | undefined } = {},
): Promise<Emulator> {
  const emulator = new Emulator({
    host: '127.0.0.1',
    port: config.source.emulatorPort,
    // `start --agents N`: the floor's size (the emulator's default, 500, otherwise).
    ...(floor.agents !== undefined ? { agents: floor.agents } : {}),
    // The floor starts six minutes back and catches up at ×30 (about 12 s), everything
    // delivered: the wallboard opens on a floor in its stride, callers waiting and agents on
    // calls, instead of 500 idle agents and a quarter of an hour of ramp-up.
    warmupMs: DEMO_WARMUP_MS,
    webhook: { url: `${gatewayUrl}/ingest/webhook`, secret: secrets.webhookSecret },
    ...(config.source.mode === 'push'
      ? {
          eventbridge: {
            url: `${gatewayUrl}/ingest/eventbridge`,
            apiKeyHeader: config.ingest.eventbridge.apiKeyHeader,
            apiKey: secrets.eventbridgeApiKey,
          },
        }
      : {}),
  });
  await emulator.start();
  return emulator;
}
