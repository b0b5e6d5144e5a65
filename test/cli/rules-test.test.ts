/**
 * `switchboard rules test --pattern FILE --event FILE` (CONTRACT.md): `match` exit 0,
 * `no match` exit 1, an invalid pattern or event prints the reason and exits 2.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/helpers.js';

/** A document as routes see it (CONTRACT.md "Sinks"), with a presence body. */
const EVENT = {
  id: 'v2.users.u-1.presence:c-1',
  source: 'stream',
  topic: 'v2.users.u-1.presence',
  kind: 'user.presence',
  subject: { userId: 'u-1' },
  occurredAt: '2026-11-30T10:00:00.000Z',
  receivedAt: '2026-11-30T10:00:00.050Z',
  body: { presenceDefinition: { systemPresence: 'AVAILABLE' }, modifiedDate: '2026-11-30' },
};

function files(t: TestContext, pattern: string, event: string) {
  const dir = tempDir(t);
  const p = join(dir, 'pattern.json');
  const e = join(dir, 'event.json');
  writeFileSync(p, pattern);
  writeFileSync(e, event);
  return { p, e, dir };
}

const rulesTest = (p: string, e: string) => runCli(['rules', 'test', '--pattern', p, '--event', e]);

describe('switchboard rules test', () => {
  test('a matching event prints "match" and exits 0', async (t) => {
    const pattern = {
      kind: [{ prefix: 'user.' }],
      subject: { userId: [{ exists: true }] },
      body: { presenceDefinition: { systemPresence: ['AVAILABLE', 'ON_QUEUE'] } },
    };
    const { p, e } = files(t, JSON.stringify(pattern), JSON.stringify(EVENT));
    const r = await rulesTest(p, e);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'match\n');
    assert.equal(r.stderr, '');
  });

  test('an event that does not match prints "no match" and exits 1', async (t) => {
    const { p, e } = files(
      t,
      '{"kind": [{"anything-but": {"prefix": "user."}}]}',
      JSON.stringify(EVENT),
    );
    const r = await rulesTest(p, e);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, 'no match\n');
  });

  test('the event is matched as it is: no envelope is added', async (t) => {
    // The body's field is not visible at the top level, and an unwrapped event has no `body`.
    const { p, e } = files(t, '{"body": {"x": [1]}}', '{"x": 1}');
    assert.equal((await rulesTest(p, e)).code, 1);
  });

  test('an invalid pattern exits 2 with the JSON path of the problem', async (t) => {
    const { p, e } = files(
      t,
      '{"detail": {"state": [{"numeric": [">", 0, "<"]}]}}',
      JSON.stringify(EVENT),
    );
    const r = await rulesTest(p, e);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'switchboard: $.detail.state[0].numeric: odd number of operands\n');
  });

  test('a file that is not JSON, unreadable, or an event that is not an object exits 2', async (t) => {
    const { p, e, dir } = files(t, '{"kind": ["x"]', JSON.stringify(EVENT));
    let r = await rulesTest(p, e);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^switchboard: --pattern .*pattern\.json: not JSON: .*\n$/);

    const ok = files(t, '{"kind": ["x"]}', 'kind: x');
    r = await rulesTest(ok.p, ok.e);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^switchboard: --event .*event\.json: not JSON/);

    r = await rulesTest(ok.p, join(dir, 'missing.json'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^switchboard: --event .*missing\.json: cannot read: ENOENT\n$/);

    const arr = files(t, '{"kind": ["x"]}', '[{"kind": "x"}]');
    r = await rulesTest(arr.p, arr.e);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /an event must be a JSON object/);
  });

  test('missing options or subcommand exit 2', async () => {
    let r = await runCli(['rules', 'test', '--pattern', 'p.json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs --pattern FILE and --event FILE/);
    r = await runCli(['rules']);
    assert.equal(r.code, 2);
    r = await runCli(['rules', 'check']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown subcommand "rules check"/);
  });
});
