// The ceiling: a bare node:http server that reads the body and answers 200, doing nothing else.
// With `--record-delay` (the delivery bench's HTTP target) it also records how long each event
// took from being stored by Switchboard (`receivedAt` in the `x-switchboard-event` header) to
// arriving here: GET /stats → {count, p50, p99, max} in ms, and starts over.
import { createServer } from 'node:http';

const record = process.argv.includes('--record-delay');
let delays: number[] = [];

const server = createServer((req, res) => {
  if (record && req.method === 'GET' && req.url === '/stats') {
    const sorted = delays.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) }),
    );
    delays = [];
    return;
  }
  const header = req.headers['x-switchboard-event'];
  if (record && typeof header === 'string') {
    const receivedAt = Date.parse((JSON.parse(header) as { receivedAt: string }).receivedAt);
    delays.push(Date.now() - receivedAt);
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
