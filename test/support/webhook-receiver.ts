import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';

/**
 * An HTTP target as a user would run one: it verifies every request's Standard Webhooks
 * signature with the reference library (401 otherwise) and records what it accepted. `mode`
 * says how it answers now: `ok` (200), `down` (the connection is cut before an answer: a dead
 * host), `error` (503), or `hold` (the request is recorded and never answered, until the mode
 * changes).
 */
export interface Receiver {
  url: string;
  mode: 'ok' | 'down' | 'error' | 'hold';
  /** Every accepted request's `webhook-id`, in arrival order (repeats included). */
  readonly ids: string[];
  /** Requests that arrived in `hold` mode, by webhook-id. */
  readonly held: Set<string>;
  /** Requests refused for a bad signature. */
  badSignatures: number;
  /** Bodies answered 400 (a permanent refusal: dead-lettered at once). */
  refuse: ((body: string) => boolean) | undefined;
}

export async function startReceiver(t: TestContext, secret: string): Promise<Receiver> {
  const verifier = new Webhook(Buffer.from(secret, 'utf8').toString('base64'));
  const waiting: ServerResponse[] = [];
  const receiver: Receiver = {
    url: '',
    mode: 'ok',
    ids: [],
    held: new Set(),
    badSignatures: 0,
    refuse: undefined,
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      if (receiver.mode === 'down') {
        req.socket.destroy();
        return;
      }
      try {
        verifier.verify(body, headers);
      } catch {
        receiver.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      if (receiver.refuse?.(body)) {
        res.writeHead(400).end();
        return;
      }
      if (receiver.mode === 'error') {
        res.writeHead(503).end();
        return;
      }
      if (receiver.mode === 'hold') {
        receiver.held.add(headers['webhook-id']);
        waiting.push(res);
        return;
      }
      receiver.ids.push(headers['webhook-id']);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  t.after(async () => {
    for (const res of waiting) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return receiver;
}
