import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deliveredSample, deliveryRates } from '../../web/src/lib/delivery-rates.js';

const row = (name: string, delivered: number) => ({ name, delivered });

describe('pipelines: delivery rates', () => {
  test('per target, between two polls; unknown for a first poll, a new target or a restart', () => {
    const first = deliveredSample([row('lake', 1000), row('crm', 50)], 10_000);
    assert.deepEqual(
      [...deliveryRates(undefined, first)],
      [
        ['lake', undefined],
        ['crm', undefined],
      ],
    );
    const second = deliveredSample([row('lake', 5000), row('crm', 20), row('bus', 7)], 12_000);
    assert.deepEqual(
      [...deliveryRates(first, second)],
      [
        ['lake', 2000],
        ['crm', undefined],
        ['bus', undefined],
      ],
    );
    assert.deepEqual(
      [...deliveryRates(second, { ...second })],
      [
        ['lake', undefined],
        ['crm', undefined],
        ['bus', undefined],
      ],
    );
  });
});
