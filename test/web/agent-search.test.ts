import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentDetail, searchAgents } from '../../web/src/lib/agent-search.js';
import { agent } from './fixtures.js';

const QUEUES = new Map([
  ['q-sup', 'Support'],
  ['q-sales', 'Sales'],
  ['q-bill', 'Billing'],
]);
const queueName = (id: string) => QUEUES.get(id);

const agents = [
  agent('u1', { name: 'Maria Silva', teamName: 'North', queueIds: ['q-sup', 'q-bill'] }),
  agent('u2', { name: 'Maria Silva', teamName: 'South', queueIds: ['q-sales'] }),
  agent('u3', { name: 'José Ortega', teamName: undefined, queueIds: [] }),
  agent('u4', { name: undefined, teamName: 'North', queueIds: ['q-gone'] }),
];

describe('agent picker search', () => {
  test('name, team and queue words all count; same-name agents are told apart', () => {
    const ids = (q: string) => searchAgents(agents, queueName, q).options.map((o) => o.agent.id);
    assert.deepEqual(ids('maria'), ['u1', 'u2']);
    assert.deepEqual(ids('maria sales'), ['u2']);
    assert.deepEqual(ids('silva north'), ['u1']);
    assert.deepEqual(ids('billing'), ['u1']);
    assert.deepEqual(ids('jose'), ['u3'], 'accents folded');
    assert.deepEqual(ids('u4'), ['u4'], 'an exact id');
    assert.deepEqual(ids('nobody'), []);
    assert.equal(ids('').length, 4, 'an empty query lists everyone');
  });

  test('the detail line: team, first queue, how many more; ids where names are unknown', () => {
    const [first, second] = searchAgents(agents, queueName, 'maria').options;
    assert.equal(agentDetail(first!), 'North · Support +1');
    assert.equal(agentDetail(second!), 'South · Sales');
    const u4 = searchAgents(agents, queueName, 'u4').options[0]!;
    assert.equal(u4.name, 'u4');
    assert.equal(agentDetail(u4), 'North · q-gone');
    assert.equal(agentDetail(searchAgents(agents, queueName, 'jose').options[0]!), '');
  });

  test('bounded: the first N by name, and the total', () => {
    const many = Array.from({ length: 120 }, (_, i) => agent(`m${i}`, { name: `Agent ${i}` }));
    const result = searchAgents(many, queueName, 'agent', 50);
    assert.equal(result.options.length, 50);
    assert.equal(result.total, 120);
    assert.equal(result.options[0]!.name, 'Agent 0');
    assert.equal(result.options[2]!.name, 'Agent 2', 'numeric order');
  });
});
