// The closed-loop load process for maximum throughput: autocannon over keep-alive HTTP, each
// connection sending its next fresh, signed ~1 KiB event as soon as the previous one is answered.
// Usage: load.ts '{"url","connections","durationSec","secret"}' → prints one JSON line.
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import { signedEvent } from './signed-event.js';

interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  secret: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const run = (duration: number) =>
  autocannon({
    url: spec.url,
    connections: spec.connections,
    duration,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: '/ingest/webhook',
        setupRequest: (req: autocannon.Request) => {
          const body = signedEvent();
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/json',
              'x-genesys-webhook-signature': createHmac('sha256', spec.secret)
                .update(body)
                .digest('hex'),
            },
          };
        },
      },
    ],
  });

// A short unmeasured run first: JIT, new sockets and cold caches are not what is measured.
const warm = await run(2);
const result = await run(spec.durationSec);
console.log(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    // Every 2xx, warm-up included, so the caller can check each one was stored.
    ok2xx: warm['2xx'] + result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bodyBytes: signedEvent().length,
  }),
);
