import type { AgentView } from '@protocol/live-messages.js';

/** Options the agent picker lists at most; the rest are counted ("N more: refine the search"). */
export const MAX_OPTIONS = 50;

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/** One agent as the picker lists it. */
export interface AgentOption {
  agent: AgentView;
  name: string;
  /** Team name, when known. */
  team: string | undefined;
  /** Names of the agent's queues, in the agent's order (ids where a name is unknown). */
  queues: string[];
}

export interface AgentSearch {
  /** Options to list, at most `max`, by name (then team, first queue, id). */
  options: AgentOption[];
  /** Agents that matched in all (more than `options.length` when cut). */
  total: number;
}

/** Folds case and accents, so "jose" finds "José". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The secondary line under a name: team, first queue, and how many queues more. */
export function agentDetail(option: Pick<AgentOption, 'team' | 'queues'>): string {
  const parts: string[] = [];
  if (option.team) parts.push(option.team);
  const [first, ...rest] = option.queues;
  if (first !== undefined) parts.push(rest.length > 0 ? `${first} +${rest.length}` : first);
  return parts.join(' · ');
}

/**
 * Agents whose name, team or queue names hold every word of the query (so "maria support" tells
 * the Maria Silva in Support from the one in Sales), or whose id is the query. Nothing is left
 * out for an empty query.
 */
export function searchAgents(
  agents: Iterable<AgentView>,
  queueName: (id: string) => string | undefined,
  query: string,
  max = MAX_OPTIONS,
): AgentSearch {
  const words = fold(query).split(/\s+/).filter(Boolean);
  const exactId = query.trim();
  const matched: AgentOption[] = [];
  for (const agent of agents) {
    const option: AgentOption = {
      agent,
      name: agent.name ?? agent.id,
      team: agent.teamName,
      queues: agent.queueIds.map((id) => queueName(id) ?? id),
    };
    if (words.length > 0 && agent.id !== exactId) {
      const haystack = fold([option.name, option.team ?? '', ...option.queues].join('\n'));
      if (!words.every((w) => haystack.includes(w))) continue;
    }
    matched.push(option);
  }
  matched.sort(
    (a, b) =>
      collator.compare(a.name, b.name) ||
      collator.compare(a.team ?? '', b.team ?? '') ||
      collator.compare(a.queues[0] ?? '', b.queues[0] ?? '') ||
      (a.agent.id < b.agent.id ? -1 : a.agent.id > b.agent.id ? 1 : 0),
  );
  return { options: matched.slice(0, Math.max(0, max)), total: matched.length };
}
