// The benchmark's event: a guide-format interaction of about 1 KiB with a fresh id each call.
import { randomBytes } from 'node:crypto';

const runId = randomBytes(4).toString('hex');
const padding = 'x'.repeat(760);
let n = 0;

export function signedEvent(): string {
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
