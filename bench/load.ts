// The load process: autocannon over keep-alive HTTP with a fresh, signed ~1 KiB event per request.
// Usage: load.ts '{"url","connections","durationSec","rate"?,"secret"}' → prints one JSON line.
import { createHmac, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  rate?: number;
  secret: string;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const runId = randomBytes(4).toString('hex');
const padding = 'x'.repeat(760);
let n = 0;

function nextBody(): string {
  n++;
  return JSON.stringify({
    notificationId: `${runId}-${n}`,
    timestamp: new Date().toISOString(),
    eventType: 'interaction',
    data: {
      interactionId: `inter-${runId}-${n}`,
      type: 'call',
      wrapUpCode: 'resolved',
      metrics: { talkTime: 120.5, holdTime: 10, waitTime: 5.2, acw: 15, totalTime: 150.7 },
      participants: [
        { id: 'agent-001', role: 'agent', name: 'Jane Doe' },
        { id: 'customer-001', role: 'customer', name: 'John Smith' },
      ],
      notes: padding,
    },
  });
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSec,
  pipelining: 1,
  ...(spec.rate ? { overallRate: spec.rate } : {}),
  requests: [
    {
      method: 'POST',
      path: '/ingest/webhook',
      setupRequest: (req: autocannon.Request) => {
        const body = nextBody();
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

console.log(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bodyBytes: nextBody().length,
  }),
);
