/**
 * The toast's caller address by media (issue 15 point 5): no `tel:` link on a chat or an e-mail.
 * Addresses as Genesys sends them on the customer participant, `address` or `ani`
 * (`MyPureCloud/platform-client-sdk-javascript` `build/index.d.ts`:
 * `QueueConversationCallEventTopicCallMediaParticipant.address` / `.ani`,
 * `QueueConversationEmailEventTopicEmailMediaParticipant.address`,
 * `QueueConversationChatEventTopicChatMediaParticipant.address`,
 * `QueueConversationMessageEventTopicMessageMediaParticipant.address`), checked against the
 * installed SDK below.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callerAddress, emailOf, telUri } from '../../web/src/lib/address.js';
import { sdkModelFields } from '../support/sdk-models.js';

describe('caller address by media', () => {
  test('the SDK participant models carry the fields the toast address comes from', () => {
    for (const model of [
      'QueueConversationCallEventTopicCallMediaParticipant',
      'QueueConversationEmailEventTopicEmailMediaParticipant',
      'QueueConversationChatEventTopicChatMediaParticipant',
      'QueueConversationMessageEventTopicMessageMediaParticipant',
    ]) {
      assert.ok(sdkModelFields(model).has('address'), `${model}.address`);
    }
    assert.ok(sdkModelFields('QueueConversationCallEventTopicCallMediaParticipant').has('ani'));
  });

  test('a call: tel: link for a number, with or without the tel: scheme', () => {
    assert.deepEqual(callerAddress('voice', 'tel:+13175550123'), {
      kind: 'tel',
      text: '+13175550123',
      href: 'tel:+13175550123',
    });
    assert.deepEqual(callerAddress('voice', '+13175550123'), {
      kind: 'tel',
      text: '+13175550123',
      href: 'tel:+13175550123',
    });
    assert.deepEqual(callerAddress('callback', '(317) 555-0123'), {
      kind: 'tel',
      text: '(317) 555-0123',
      href: 'tel:3175550123',
    });
    assert.equal(callerAddress('call', 'TEL:+44 20 7946 0958')?.kind, 'tel');
    assert.equal(telUri('tel:+13175550123;ext=42'), 'tel:+13175550123;ext=42');
  });

  test('a call from a SIP URI or anything not a number: text, no link', () => {
    assert.deepEqual(callerAddress('voice', 'sip:alice@example.com'), {
      kind: 'text',
      text: 'sip:alice@example.com',
    });
    assert.deepEqual(callerAddress('voice', 'Anonymous'), { kind: 'text', text: 'Anonymous' });
    assert.equal(callerAddress('voice', '12')?.kind, 'text', 'too short for a number');
    assert.equal(callerAddress('voice', '+1234567890123456')?.kind, 'text', 'over 15 digits');
    assert.equal(telUri('javascript:alert(1)'), undefined);
  });

  test('an e-mail: mailto: link; never tel:', () => {
    assert.deepEqual(callerAddress('email', 'maria.silva@example.com'), {
      kind: 'mailto',
      text: 'maria.silva@example.com',
      href: 'mailto:maria.silva@example.com',
    });
    assert.equal(
      callerAddress('email', 'Maria Silva <maria+orders@example.com>')?.kind === 'mailto' &&
        (callerAddress('email', 'Maria Silva <maria+orders@example.com>') as { href: string }).href,
      'mailto:maria%2Borders@example.com',
    );
    assert.equal(emailOf('mailto:a@b.co'), 'a@b.co');
    // A number on an e-mail conversation is not dialled from here.
    assert.deepEqual(callerAddress('email', '+13175550123'), {
      kind: 'text',
      text: '+13175550123',
    });
    assert.equal(callerAddress('email', 'not an address')?.kind, 'text');
  });

  test('chat and messaging: plain text, even when the id is a phone number', () => {
    assert.deepEqual(callerAddress('chat', 'c2f1a0e4-7d1b-4a83-9a2f-3f0d1c2b4e5a'), {
      kind: 'text',
      text: 'c2f1a0e4-7d1b-4a83-9a2f-3f0d1c2b4e5a',
    });
    assert.deepEqual(callerAddress('message', '+13175550123'), {
      kind: 'text',
      text: '+13175550123',
    });
    assert.equal(callerAddress('message', 'tel:+13175550123')?.kind, 'text');
    assert.equal(callerAddress('chat', 'maria@example.com')?.kind, 'text');
    assert.equal(callerAddress(undefined, '+13175550123')?.kind, 'text');
  });

  test('nothing to show', () => {
    assert.equal(callerAddress('voice', undefined), undefined);
    assert.equal(callerAddress('voice', '   '), undefined);
  });
});
