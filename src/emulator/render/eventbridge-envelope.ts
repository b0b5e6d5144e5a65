/** What a typical EventBridge integration subscribes to (wildcard `{id}` topic filters). */
export const EVENTBRIDGE_TOPICS = [
  'v2.users.{id}.presence',
  'v2.users.{id}.routingStatus',
  'v2.routing.queues.{id}.conversations',
  // Joining and unjoining: membership is not the same as being on queue.
  'v2.routing.queues.{id}.users',
  // Agents' own calls (outbound, no queue) appear only on the user topics; the media-specific one.
  'v2.users.{id}.conversations.calls',
  'v2.analytics.queues.{id}.observations',
  'v2.detail.events.conversation.{id}.customer.start',
  'v2.detail.events.conversation.{id}.customer.end',
  'v2.detail.events.conversation.{id}.acd.start',
  'v2.detail.events.conversation.{id}.acd.end',
  'v2.detail.events.conversation.{id}.user.start',
  'v2.detail.events.conversation.{id}.user.end',
  'v2.detail.events.conversation.{id}.acw',
  'v2.detail.events.conversation.{id}.wrapup',
];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The templated topic EventBridge puts in `detail-type`: every id replaced by `{id}` (FACTS §5.1). */
export function detailTypeOf(topicName: string): string {
  return topicName.replace(UUID, '{id}');
}

/**
 * An EventBridge envelope as an API destination receives it (FACTS §5.1), built by splicing the
 * already-serialized topic name (`topicJson`), body and metadata: the body is serialized once per
 * message, however many envelopes carry it.
 */
export function eventbridgeEnvelope(m: {
  eventId: string;
  detailType: string;
  orgId: string;
  at: number;
  topicJson: string;
  bodyJson: string;
  metadataJson: string;
}): string {
  const timestamp = new Date(m.at).toISOString();
  return (
    `{"version":"0","id":"${m.eventId}","detail-type":${JSON.stringify(m.detailType)},` +
    `"source":${JSON.stringify(`aws.partner/genesys.com/cloud/${m.orgId}/switchboard-emulator`)},` +
    `"account":"000000000000","time":"${timestamp.replace(/\.\d{3}Z$/, 'Z')}","region":"us-east-1",` +
    `"resources":[],"detail":{"topicName":${m.topicJson},"version":"2","eventBody":${m.bodyJson},` +
    `${m.metadataJson},"timestamp":"${timestamp}"}}`
  );
}
