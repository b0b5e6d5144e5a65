import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { agentDetail, searchAgents, type AgentOption } from '../lib/agent-search.js';
import { stateClass } from '../lib/agents.js';
import type { LiveFilter } from '../live/live-connection.js';
import { useConnectionState, useLive, useThrottledVersion } from '../live/use-live.js';

/** The whole floor's agents (labels live) and queues (names for the detail line). */
const PICKER_FILTER: LiveFilter = { kinds: ['agents', 'queues'] };
/** The floor subscription outlives the last use by this much, so reopening is instant. */
const LINGER_MS = 60_000;
/** Labels in an open list follow the floor at most this often (a search is a pass over all). */
const REFRESH_MS = 500;

/** True while `on`, and for `ms` after. */
function useLinger(on: boolean, ms: number): boolean {
  const [lingering, setLingering] = useState(on);
  useEffect(() => {
    if (on) {
      setLingering(true);
      return;
    }
    const timer = setTimeout(() => setLingering(false), ms);
    return () => clearTimeout(timer);
  }, [on, ms]);
  return on || lingering;
}

/**
 * The agent chooser: a WAI-ARIA 1.2 combobox with a listbox popup ("list autocomplete", no
 * automatic selection). Typing filters by name, team and queue; ArrowDown/ArrowUp/Home/End move
 * the active option, Enter or a click chooses it, Escape closes the list and then clears the
 * text. Nothing is active until the user moves to it. Each option shows the agent's live state
 * and, under the name, team and first queue, so two agents of one name can be told apart. The
 * floor subscription is opened only while the picker is in use (plus a minute): an agent's own
 * page does not hold the whole floor for nothing.
 */
export function AgentPicker({
  selected,
  onChoose,
}: {
  selected: string | undefined;
  onChoose: (userId: string) => void;
}) {
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [focused, setFocused] = useState(false);
  const [activeId, setActiveId] = useState<string | undefined>(undefined);
  const base = useId();
  const headingId = `${base}-heading`;
  const inputId = `${base}-input`;
  const listId = `${base}-list`;
  const hintId = `${base}-hint`;
  const optionId = (i: number) => `${base}-option-${i}`;

  const subscribed = useLinger(focused || open, LINGER_MS);
  const { store, connection } = useLive(subscribed ? PICKER_FILTER : undefined);
  const connectionState = useConnectionState(connection);
  const agentsVersion = useThrottledVersion(store, 'agents', REFRESH_MS);
  const queuesVersion = useThrottledVersion(store, 'queues', REFRESH_MS);
  const loaded = store.snapshots > 0;

  const search = useMemo(
    () =>
      open
        ? searchAgents(store.agents.values(), (id) => store.queues.get(id)?.name, query)
        : { options: [] as AgentOption[], total: 0 },
    [store, agentsVersion, queuesVersion, query, open],
  );
  const { options, total } = search;
  const activeIndex =
    activeId === undefined ? -1 : options.findIndex((o) => o.agent.id === activeId);
  const expanded = open && options.length > 0;

  /** A move asked for while the list was closed, done once its options are listed. */
  const pendingMove = useRef<'first' | 'last' | undefined>(undefined);
  useEffect(() => {
    if (activeIndex < 0) return;
    document.getElementById(optionId(activeIndex))?.scrollIntoView({ block: 'nearest' });
    // optionId is derived from `base`, stable for the component's life.
  }, [activeIndex]);

  const choose = (option: AgentOption) => {
    onChoose(option.agent.id);
    setQuery(option.name);
    setOpen(false);
    setActiveId(undefined);
  };

  const move = (to: 'next' | 'previous' | 'first' | 'last') => {
    const n = options.length;
    if (n === 0) return;
    let i: number;
    if (to === 'first') i = 0;
    else if (to === 'last') i = n - 1;
    else if (activeIndex < 0) i = to === 'next' ? 0 : n - 1;
    else i = (activeIndex + (to === 'next' ? 1 : -1) + n) % n;
    setActiveId(options[i]!.agent.id);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (!open) {
          setOpen(true);
          // Alt+Down opens without moving (APG); Down/Up open onto the first/last option,
          // once options are there: the effect below takes it from the pending move.
          if (!e.altKey) pendingMove.current = e.key === 'ArrowDown' ? 'first' : 'last';
          return;
        }
        move(e.key === 'ArrowDown' ? 'next' : 'previous');
        return;
      }
      case 'Home':
      case 'End':
        if (!expanded) return; // the caret moves in the text, as in any text field
        e.preventDefault();
        move(e.key === 'Home' ? 'first' : 'last');
        return;
      case 'Enter': {
        const option = expanded && activeIndex >= 0 ? options[activeIndex] : undefined;
        if (!option) return;
        e.preventDefault();
        choose(option);
        return;
      }
      case 'Escape':
        e.preventDefault();
        if (open) {
          setOpen(false);
          setActiveId(undefined);
        } else if (query) {
          setQuery('');
        }
        return;
      case 'Tab':
        setOpen(false);
        setActiveId(undefined);
        return;
    }
  };

  useEffect(() => {
    const pending = pendingMove.current;
    if (!pending || !open || options.length === 0) return;
    pendingMove.current = undefined;
    setActiveId(options[pending === 'first' ? 0 : options.length - 1]!.agent.id);
  }, [open, options]);

  let status: string;
  if (connectionState.status === 'failed')
    status = `Could not load agents: ${connectionState.message}`;
  else if (!loaded) status = 'Loading agents…';
  else if (total === 0) status = query.trim() ? 'No agent matches' : 'No agents known yet';
  else if (total > options.length) status = `${total} agents, first ${options.length} listed`;
  else status = `${total} ${total === 1 ? 'agent' : 'agents'}`;
  const more = total - options.length;

  return (
    <section className="picker" aria-labelledby={headingId}>
      <h2 id={headingId}>Agent</h2>
      <div className="combobox">
        <label htmlFor={inputId}>Search by name, team or queue</label>
        <input
          id={inputId}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-activedescendant={activeIndex >= 0 ? optionId(activeIndex) : undefined}
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          value={query}
          placeholder="Type a name"
          onChange={(e) => {
            setQuery(e.target.value);
            setOpen(true);
            setActiveId(undefined);
            pendingMove.current = undefined;
          }}
          onKeyDown={onKeyDown}
          onClick={() => setOpen(true)}
          onFocus={() => setFocused(true)}
          onBlur={() => {
            setFocused(false);
            setOpen(false);
            setActiveId(undefined);
          }}
          data-testid="agent-search"
        />
        <p id={hintId} className="picker-hint">
          Down arrow lists agents, Enter chooses.
        </p>
        <div
          className="combobox-popup"
          hidden={!open}
          data-testid="agent-popup"
          // Keep focus in the input: a click in the list (an option, its scrollbar) must not
          // blur it and close the list first.
          onMouseDown={(e) => e.preventDefault()}
        >
          <ul
            id={listId}
            role="listbox"
            aria-label="Agents"
            hidden={!expanded}
            data-testid="agent-options"
          >
            {options.map((o, i) => (
              <li
                key={o.agent.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === activeIndex}
                className={`agent-option${i === activeIndex ? ' active' : ''}`}
                data-agent-id={o.agent.id}
                data-label={o.agent.label}
                data-current={o.agent.id === selected ? 'true' : undefined}
                onClick={() => choose(o)}
              >
                <span className="agent-option-line">
                  <span className="agent-option-name">{o.name}</span>
                  <span className={`agent-option-state ${stateClass(o.agent.label)}`}>
                    <span className="swatch" aria-hidden="true" />
                    <span data-testid="agent-option-label">{o.agent.label}</span>
                  </span>
                </span>
                <span className="agent-option-detail" data-testid="agent-option-detail">
                  {agentDetail(o) || 'no team or queue'}
                  {o.agent.id === selected && (
                    <span className="agent-option-current"> · shown</span>
                  )}
                </span>
              </li>
            ))}
          </ul>
          {open && (more > 0 || options.length === 0) && (
            <p className="picker-more" data-testid="agent-options-note">
              {more > 0 ? `${more} more: refine the search` : status}
            </p>
          )}
        </div>
        <p className="visually-hidden" role="status" aria-live="polite">
          {open ? status : ''}
        </p>
      </div>
    </section>
  );
}
