// Child process for the hard-kill test: opens a log through a suite factory and appends from many
// concurrent appenders, printing `ack <id> <offset>` only after each append has resolved.
import type { EventLogFactory } from '../log/event-log-suite.js';
import { makeEvent } from '../log/event-log-suite.js';

const [moduleUrl, location] = process.argv.slice(2);
if (!moduleUrl || !location) throw new Error('usage: append-child <factory module> <location>');
const { factory } = (await import(moduleUrl)) as { factory: EventLogFactory };
const log = await factory.open(location);

let n = 0;
async function appender(worker: number): Promise<never> {
  for (;;) {
    const batch = Array.from({ length: 1 + (n % 3) }, () => makeEvent({ id: `w${worker}-${n++}` }));
    const results = await log.append(batch);
    const lines = batch.map((e, i) => `ack ${e.id} ${results[i]!.offset}\n`).join('');
    process.stdout.write(lines);
  }
}
await Promise.all(Array.from({ length: 32 }, (_, w) => appender(w)));
