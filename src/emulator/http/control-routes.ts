import type { FastifyInstance } from 'fastify';
import { FaultError, parseFault, type ParsedFault } from '../fault-registry.js';
import type { NewWebhook, WebhookSubscription } from '../push/webhook-subscription.js';

/** What the control routes use of the emulator. */
export interface ControlPorts {
  truth(): unknown;
  readonly faults: { run(fault: ParsedFault): void };
  addWebhook(sub: NewWebhook): WebhookSubscription;
}

/** The emulator's own routes: ground truth, the fault injector, and the guides' webhook API. */
export function registerControlRoutes(app: FastifyInstance, emu: ControlPorts): void {
  app.get('/emulator/truth', async () => emu.truth());

  // The same registry entry as `--fault`: parsed through its schema, applied through it.
  app.post('/emulator/faults', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const name = typeof body.fault === 'string' ? body.fault : '';
    try {
      const fault = parseFault(name, body);
      emu.faults.run(fault);
      return { applied: fault.name };
    } catch (err) {
      if (err instanceof FaultError)
        return reply.code(400).send({ error: { code: 'EMU_BAD_FAULT', message: err.message } });
      throw err;
    }
  });

  // The guides' subscription API (SEED-FORMATS §A); Genesys has no such endpoint (FACTS §5.4).
  app.post('/api/v2/integrations/webhooks', async (request, reply) => {
    const b = (request.body ?? {}) as Record<string, unknown>;
    const auth = (b.auth ?? {}) as Record<string, unknown>;
    if (typeof b.url !== 'string' || typeof auth.secret !== 'string' || !Array.isArray(b.events)) {
      return reply.code(400).send({
        message: 'url, auth.secret and events are required',
        code: 'bad.request',
        status: 400,
      });
    }
    const events = (b.events as unknown[]).map((e) =>
      typeof e === 'string' ? { name: e } : (e as NewWebhook['events'][number]),
    );
    const sub = emu.addWebhook({
      name: typeof b.name === 'string' ? b.name : 'webhook',
      url: b.url,
      secret: auth.secret,
      encoding: auth.encoding === 'base64' ? 'base64' : 'hex',
      status: b.status === 'DRAFT' ? 'DRAFT' : 'PUBLISHED',
      events,
    });
    return reply
      .code(201)
      .send({ id: sub.id, name: sub.name, url: sub.url, status: sub.status, events: sub.events });
  });
}
