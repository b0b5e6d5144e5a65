import { randomUUID } from 'node:crypto';

/**
 * A Genesys Cloud partner event as EventBridge delivers it: the AWS envelope around the
 * Notification-style `detail` (topicName, version, eventBody, metadata.CorrelationId,
 * timestamp). Shape from Genesys's own sample, GenesysCloudBlueprints/
 * aws-eventbridge-user-presence-update-blueprint `events/UserPresenceChange.json`.
 */
export function presenceEnvelope(options: { userId?: string; correlationId?: string } = {}) {
  const userId = options.userId ?? randomUUID();
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'v2.users.{id}.presence',
    source: 'aws.partner/genesys.com/cloud/8d7e0b3a-org/switchboard',
    account: '123456789012',
    time: '2026-11-23T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      topicName: `v2.users.${userId}.presence`,
      version: '2',
      eventBody: {
        source: 'PURECLOUD',
        presenceDefinition: { id: randomUUID(), systemPresence: 'AVAILABLE' },
        modifiedDate: '2026-11-23T09:59:59.500Z',
      },
      metadata: { CorrelationId: options.correlationId ?? randomUUID() },
      timestamp: '2026-11-23T10:00:00.100Z',
    },
  };
}
