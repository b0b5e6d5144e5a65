// The integration guides' reference handler: Express, express.json, HMAC over
// JSON.stringify(req.body) (their bug, kept as written, but with equal-length buffers so it does
// not throw), no persistence. The naive peer Switchboard is compared with.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';

const secret = process.env.BENCH_SECRET ?? 'bench-secret';
const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/ingest/webhook', (req, res) => {
  const signature = req.get('x-genesys-webhook-signature') ?? '';
  const expected = createHmac('sha256', secret).update(JSON.stringify(req.body)).digest('hex');
  if (
    signature.length !== expected.length ||
    !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    res.status(401).json({ error: 'invalid signature' });
    return;
  }
  res.status(200).json({ received: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) console.log(`listening ${address.port}`);
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
