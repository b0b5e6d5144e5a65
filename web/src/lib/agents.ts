import type { AgentView } from '@protocol/live-messages.js';
import { labelKey } from './thresholds.js';

/**
 * States in the order a supervisor scans them: what needs attention first, the unavailable
 * last. Labels not listed (an org's own secondary presences) sort after the listed available
 * ones, alphabetically, and before Offline.
 */
export const STATE_ORDER: readonly string[] = [
  'Not Responding',
  'Alerting',
  'Interacting',
  'On Hold',
  'Communicating',
  'Wrap-up',
  'Idle',
  'On Queue',
  'Available',
  'Off Queue',
  'Busy',
  'Away',
  'Break',
  'Meal',
  'Lunch',
  'Training',
  'Meeting',
];
const OFFLINE = 'offline';
const RANKS = new Map(STATE_ORDER.map((label, i) => [labelKey(label), i]));
const UNLISTED_RANK = STATE_ORDER.length;
const OFFLINE_RANK = STATE_ORDER.length + 1;

export function stateRank(label: string): number {
  const key = labelKey(label);
  if (key === OFFLINE) return OFFLINE_RANK;
  return RANKS.get(key) ?? UNLISTED_RANK;
}

export type AgentSort = 'state' | 'time' | 'name';

export const AGENT_SORTS: { value: AgentSort; label: string }[] = [
  { value: 'state', label: 'State, then longest in state' },
  { value: 'time', label: 'Longest in state' },
  { value: 'name', label: 'Name' },
];

export interface AgentFilter {
  queueId?: string | undefined;
  teamId?: string | undefined;
  /** A state label (compared loosely, see `labelKey`). */
  label?: string | undefined;
  /** Substring of the name, case-insensitive. */
  search?: string | undefined;
}

export function matchesFilter(agent: AgentView, filter: AgentFilter): boolean {
  if (filter.queueId && !agent.queueIds.includes(filter.queueId)) return false;
  if (filter.teamId && agent.teamId !== filter.teamId) return false;
  if (filter.label && labelKey(agent.label) !== labelKey(filter.label)) return false;
  if (filter.search) {
    const needle = filter.search.trim().toLowerCase();
    if (needle && !(agent.name ?? agent.id).toLowerCase().includes(needle)) return false;
  }
  return true;
}

/** Start of the current state in ms, or +Infinity when unknown (sorts last among equals). */
export function sinceMs(agent: AgentView): number {
  const t = agent.since === undefined ? NaN : Date.parse(agent.since);
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY;
}

function displayName(agent: AgentView): string {
  return agent.name ?? agent.id;
}

interface Keyed {
  agent: AgentView;
  rank: number;
  since: number;
  name: string;
  /** Not logged in (presence OFFLINE): last in 'longest in state', however long offline. */
  offline: boolean;
}

/** Presence OFFLINE (not logged in), or a label that says so. */
export function isOffline(agent: AgentView): boolean {
  return agent.presence?.toUpperCase() === 'OFFLINE' || labelKey(agent.label) === OFFLINE;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

const COMPARE: Record<AgentSort, (a: Keyed, b: Keyed) => number> = {
  state: (a, b) => a.rank - b.rank || bySince(a, b) || byName(a, b),
  // An agent offline since last week is not the one "longest in state" a supervisor looks for.
  time: (a, b) => Number(a.offline) - Number(b.offline) || bySince(a, b) || byName(a, b),
  name: (a, b) => byName(a, b),
};

function bySince(a: Keyed, b: Keyed): number {
  // Longest in state first: the earliest start. Unknown starts (Infinity) go last.
  if (a.since === b.since) return 0;
  return a.since < b.since ? -1 : 1;
}

function byName(a: Keyed, b: Keyed): number {
  return collator.compare(a.name, b.name) || (a.agent.id < b.agent.id ? -1 : 1);
}

/** Sort keys per agent view; views are replaced, never mutated, so identity is the cache key. */
const keyCache = new WeakMap<AgentView, Keyed>();

function keyed(agent: AgentView): Keyed {
  let k = keyCache.get(agent);
  if (k === undefined) {
    k = {
      agent,
      rank: stateRank(agent.label),
      since: sinceMs(agent),
      name: displayName(agent),
      offline: isOffline(agent),
    };
    keyCache.set(agent, k);
  }
  return k;
}

/**
 * The agents a grid shows, filtered and sorted. Keys are computed once per agent view (not per
 * comparison, nor per sort), so 5,000 agents sort in a few milliseconds.
 */
export function selectAgents(
  agents: Iterable<AgentView>,
  filter: AgentFilter,
  sort: AgentSort,
): AgentView[] {
  const list: Keyed[] = [];
  for (const agent of agents) {
    if (matchesFilter(agent, filter)) list.push(keyed(agent));
  }
  list.sort(COMPARE[sort]);
  return list.map((k) => k.agent);
}

export interface LegendEntry {
  label: string;
  count: number;
}

/** Agents per state label, in state order. */
export function legend(agents: Iterable<AgentView>, filter: AgentFilter = {}): LegendEntry[] {
  const counts = new Map<string, number>();
  const { label: _ignored, ...rest } = filter;
  for (const agent of agents) {
    if (!matchesFilter(agent, rest)) continue;
    counts.set(agent.label, (counts.get(agent.label) ?? 0) + 1);
  }
  const entries = [...counts]
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => stateRank(a.label) - stateRank(b.label) || collator.compare(a.label, b.label));
  // The floor's labels in one stable order: which label gets a contested colour does not
  // depend on which cell happened to render first.
  for (const e of entries) customStateIndex(e.label);
  return entries;
}

/** Teams seen on the agents, for the team filter. */
export function teamsOf(agents: Iterable<AgentView>): { id: string; name: string }[] {
  const teams = new Map<string, string>();
  for (const a of agents) {
    if (a.teamId !== undefined && !teams.has(a.teamId)) teams.set(a.teamId, a.teamName ?? a.teamId);
  }
  return [...teams]
    .map(([id, name]) => ({ id, name }))
    .sort((a, b) => collator.compare(a.name, b.name));
}

/** A CSS-safe token for a label (`data-state`, class names). */
export function stateToken(label: string): string {
  return labelKey(label) || 'unknown';
}

/**
 * Tokens styles.css colours by bucket (`.state-idle`, …). Any other label is an org's own
 * presence (a secondary presence such as "Coaching"), coloured from `CUSTOM_STATE_PALETTE`.
 */
export const STYLED_STATE_TOKENS: ReadonlySet<string> = new Set([
  'idle',
  'available',
  'onqueue',
  'alerting',
  'interacting',
  'onhold',
  'communicating',
  'wrapup',
  'notresponding',
  'break',
  'meal',
  'lunch',
  'away',
  'busy',
  'training',
  'meeting',
  'offline',
  'offqueue',
]);

/**
 * Colours for org-defined presences, `.state-custom-<i>` in styles.css (same order). Each has
 * at least 3:1 contrast (WCAG 1.4.11, non-text) against the light and the dark surfaces, and
 * they differ from each other and from the bucket colours (test/web/agent-colours.test.ts).
 */
export const CUSTOM_STATE_PALETTE: readonly string[] = [
  '#c2410c',
  '#a16207',
  '#4d7c0f',
  '#0f766e',
  '#c026d3',
  '#db2777',
  '#8b6f47',
  '#4f6d7a',
  '#6b7fd7',
];

/** FNV-1a: stable across sessions, browsers and agents. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Slots given so far on this page, by label key: every view of the page agrees. */
const customSlots = new Map<string, number>();
const takenSlots = new Set<number>();
/** Guards the map against junk labels; an org has a handful of presences. */
const MAX_REMEMBERED_LABELS = 1_000;

/**
 * The palette slot of an org-defined label; undefined for labels styles.css colours itself.
 * A label takes the slot its hash names, or, when an earlier label of this page holds that
 * one, the next free slot: up to the palette's size, different labels get different colours
 * (a bare hash would give two of five labels one colour three times in four), and a label
 * keeps its slot for the page's life. Beyond the palette's size, slots are shared.
 */
export function customStateIndex(label: string): number | undefined {
  const plain = label.trim().toLowerCase().normalize('NFC');
  const key = labelKey(label);
  if (plain === '' || STYLED_STATE_TOKENS.has(key)) return undefined;
  // Labels that compare equal (`labelKey`) share a colour; labels in other scripts, whose keys
  // are empty, are told apart by the label itself.
  const id = key || plain;
  const known = customSlots.get(id);
  if (known !== undefined) return known;
  const size = CUSTOM_STATE_PALETTE.length;
  let slot = hashKey(id) % size;
  if (takenSlots.size < size) while (takenSlots.has(slot)) slot = (slot + 1) % size;
  if (customSlots.size < MAX_REMEMBERED_LABELS) {
    customSlots.set(id, slot);
    takenSlots.add(slot);
  }
  return slot;
}

/** Class names that colour a label: `state-<token>`, plus `state-custom-<i>` for an org's own. */
export function stateClass(label: string): string {
  const custom = customStateIndex(label);
  const base = `state-${stateToken(label)}`;
  return custom === undefined ? base : `${base} state-custom state-custom-${custom}`;
}
