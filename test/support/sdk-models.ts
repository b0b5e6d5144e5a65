/**
 * The fields of a model of the official Genesys Cloud SDK (`purecloud-platform-client-v2`,
 * the npm build of `MyPureCloud/platform-client-sdk-javascript`, file `index.d.ts`), so a test
 * can prove its payload is in the real shape: every key it sends is a field of the named model.
 * The SDK keeps its `Models` namespace private to its declaration file, so the fields are read
 * from that file rather than through the type checker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let source: string | undefined;
const cache = new Map<string, Set<string>>();

export function sdkModelFields(model: string): Set<string> {
  let fields = cache.get(model);
  if (fields) return fields;
  if (source === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('purecloud-platform-client-v2/package.json');
    source = readFileSync(join(dirname(pkg), 'index.d.ts'), 'utf8');
  }
  const start = source.indexOf(`\texport interface ${model} {`);
  assert.ok(start >= 0, `SDK model ${model} exists`);
  const end = source.indexOf('\n\t}', start);
  fields = new Set(
    [...source.slice(start, end).matchAll(/^\t\t"([^"]+)"\??:/gm)].map((m) => m[1]!),
  );
  cache.set(model, fields);
  return fields;
}

/** Asserts every key of `value` is a field of the SDK model (one level). */
export function assertSdkShape(model: string, value: object): void {
  const fields = sdkModelFields(model);
  for (const key of Object.keys(value)) {
    assert.ok(fields.has(key), `${key} is a field of ${model}`);
  }
}

/** Checks a conversation body and each of its participants against their SDK models. */
export function shapedConversation<T extends { participants: object[] }>(
  conversation: string,
  participant: string,
  body: T,
): T {
  assertSdkShape(conversation, body);
  for (const p of body.participants) assertSdkShape(participant, p);
  return body;
}

/** The SDK model of each conversation detail event, by milestone (notificationMappings.json). */
export const DETAIL_EVENT_MODELS: Readonly<Record<string, string>> = {
  'customer.start': 'CustomerStartDetailEventTopicCustomerStartEvent',
  'customer.end': 'CustomerEndDetailEventTopicCustomerEndEvent',
  'acd.start': 'AcdStartDetailEventTopicAcdStartEvent',
  'acd.end': 'AcdEndDetailEventTopicAcdEndEvent',
  'user.start': 'UserStartDetailEventTopicUserStartEvent',
  'user.end': 'UserEndDetailEventTopicUserEndEvent',
  acw: 'AcwDetailEventTopicAfterCallWorkEvent',
  outbound: 'OutboundDetailEventTopicOutboundInitEvent',
  wrapup: 'WrapupDetailEventTopicWrapupEvent',
};
