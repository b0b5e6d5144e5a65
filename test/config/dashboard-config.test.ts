import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tempDir } from '../support/helpers.js';

const load = (dashboard: unknown) =>
  loadConfig({ env: {}, overrides: { dashboard, source: { mode: 'push' } } });

/** The config is refused with exit code 2 and a one-line message naming `path`. */
function refused(dashboard: unknown, path: string, words: RegExp = /./) {
  assert.throws(
    () => load(dashboard),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.exitCode, 2);
      assert.ok(!err.message.includes('\n'));
      assert.ok(err.message.includes(`${path}: `), err.message);
      assert.match(err.message, words);
      return true;
    },
  );
}

describe('config: dashboard', () => {
  test('defaults: no thresholds, no boards', () => {
    const c = loadConfig({ env: {}, overrides: { source: { mode: 'push' } } });
    assert.deepEqual(c.dashboard, { thresholds: {}, boards: [] });
  });

  test('thresholds and boards from the file, a board filled in with its layout defaults', (t) => {
    const file = join(tempDir(t), 'switchboard.yaml');
    writeFileSync(
      file,
      [
        'source: { mode: push }',
        'dashboard:',
        '  thresholds:',
        '    all: { longestWaitWarnSec: 30, longestWaitAlertSec: 60 }',
        '    media: { email: { longestWaitWarnSec: 1800, longestWaitAlertSec: 3600 } }',
        '    states: [{ label: Break, warnSec: 600, alertSec: 900 }]',
        '  boards:',
        '    - { name: lobby, title: Lobby, filters: { queue: q-1 }, layout: { tv: false } }',
        '',
      ].join('\n'),
    );
    const c = loadConfig({ file, env: {} });
    assert.deepEqual(c.dashboard.thresholds.all, {
      longestWaitWarnSec: 30,
      longestWaitAlertSec: 60,
    });
    assert.deepEqual(c.dashboard.boards, [
      {
        name: 'lobby',
        title: 'Lobby',
        filters: { queue: 'q-1' },
        layout: { tv: false, agents: 'all', pageSeconds: 15, sound: false, flash: true },
        source: 'config',
        updatedAt: null,
      },
    ]);
    assert.ok(Object.isFrozen(c.dashboard.boards[0]));
  });

  test('invalid thresholds stop the start naming the field', () => {
    refused(
      { thresholds: { all: { longestWaitWarnSec: 100, longestWaitAlertSec: 50 } } },
      'dashboard.thresholds.all.longestWaitWarnSec',
      /must come before the alert/,
    );
    // A warning set alone past the built-in alert (40 s from the 20 s fallback threshold).
    refused(
      { thresholds: { media: { chat: { longestWaitWarnSec: 41 } } } },
      'dashboard.thresholds.media.chat.longestWaitWarnSec',
    );
    refused({ thresholds: { media: { fax: {} } } }, 'dashboard.thresholds.media.fax', /media/);
    refused({ thresholds: { queues: { 'a.b': {} } } }, 'dashboard.thresholds.queues.a.b');
    refused({ thresholds: { states: [{ label: '' }] } }, 'dashboard.thresholds.states.0.label');
    refused(
      { thresholds: { all: { serviceLevelWarnPct: 101 } } },
      'dashboard.thresholds.all.serviceLevelWarnPct',
    );
    refused({ thresholds: [] }, 'dashboard.thresholds', /object/);
    refused({ colours: {} }, 'dashboard', /colours/);
  });

  test('invalid boards stop the start naming the field', () => {
    refused({ boards: [{ name: 'Lobby', title: 'x' }] }, 'dashboard.boards.0.name');
    refused(
      {
        boards: [
          { name: 'a', title: 'x' },
          { name: 'a', title: 'y' },
        ],
      },
      'dashboard.boards.1.name',
      /two boards are named a/,
    );
    refused({ boards: [{ name: 'a' }] }, 'dashboard.boards.0.title');
    refused(
      { boards: [{ name: 'a', title: 'x', layout: { pageSeconds: 1 } }] },
      'dashboard.boards.0.layout.pageSeconds',
    );
    refused({ boards: ['lobby'] }, 'dashboard.boards.0', /board/);
    refused(
      { boards: Array.from({ length: 201 }, (_, i) => ({ name: `b${i}`, title: 'x' })) },
      'dashboard.boards',
      /200/,
    );
  });
});
