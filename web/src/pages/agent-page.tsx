import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ToastView } from '@protocol/live-messages.js';
import { AgentPicker } from '../components/agent-picker.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { FreshnessBanner } from '../components/freshness-banner.js';
import { NavBar } from '../components/nav-bar.js';
import { callerAddress } from '../lib/address.js';
import { stateClass } from '../lib/agents.js';
import { elapsedSince, formatDuration, humanize, mediaLabel } from '../lib/format.js';
import { levelText, stateLevel } from '../lib/thresholds.js';
import { useThresholds } from '../live/shared-settings.js';
import type { LiveFilter } from '../live/live-connection.js';
import type { LiveStore } from '../live/live-store.js';
import { useLive, useStoreSelector, useStoreVersion, type Live } from '../live/use-live.js';
import { useServerNow } from '../live/use-tick.js';
import { updateQuery } from '../router.js';
import { useSettings } from '../settings-store.js';

function AgentStatus({ live, userId }: { live: Live; userId: string }) {
  const { store } = live;
  useStoreVersion(store, 'agents');
  const loaded = useStoreSelector(store, () => store.snapshots > 0);
  const serverNow = useServerNow(store);
  const { stateIndex: index } = useThresholds(store);
  const agent = store.agents.get(userId);
  if (!loaded) return <p className="empty">Loading…</p>;
  if (!agent) {
    return (
      <p className="empty" data-testid="agent-missing">
        No agent with id <code>{userId}</code> is known to the gateway.
      </p>
    );
  }
  const elapsed = elapsedSince(agent.since, serverNow);
  const level = stateLevel(index, agent.label, elapsed);
  return (
    <section
      className={`agent-status ${stateClass(agent.label)} level-${level}`}
      aria-labelledby="agent-status-name"
      data-testid="agent-status"
      data-agent-id={agent.id}
      data-label={agent.label}
    >
      <h2 id="agent-status-name" tabIndex={-1}>
        {agent.name ?? agent.id}
      </h2>
      {agent.teamName && <p className="agent-team">{agent.teamName}</p>}
      <p className="agent-status-line">
        <span className="agent-state" data-testid="agent-label">
          {agent.label}
        </span>
        <span className="agent-timer">{elapsed === undefined ? '' : formatDuration(elapsed)}</span>
        {level !== 'ok' && <span className={`badge badge-${level}`}>{levelText(level)}</span>}
      </p>
      <dl className="agent-facts">
        <div>
          <dt>Presence</dt>
          <dd>{agent.presenceLabel ?? humanize(agent.presence)}</dd>
        </div>
        <div>
          <dt>Routing</dt>
          <dd>{humanize(agent.routingStatus)}</dd>
        </div>
        <div>
          <dt>Conversations</dt>
          <dd>
            {agent.conversations.length === 0
              ? 'none'
              : agent.conversations.map((c) => `${mediaLabel(c.media)} (${c.state})`).join(', ')}
          </dd>
        </div>
      </dl>
    </section>
  );
}

function Address({ media, address }: { media: string; address: string | undefined }) {
  const shown = callerAddress(media, address);
  if (!shown) return null;
  if (shown.kind === 'text') {
    return (
      <span className="toast-address" data-testid="toast-address" data-kind="text">
        {shown.text}
      </span>
    );
  }
  return (
    <a
      className="toast-address"
      href={shown.href}
      data-testid="toast-address"
      data-kind={shown.kind}
    >
      {shown.text}
    </a>
  );
}

const Toast = memo(function Toast({
  toast,
  dismissMs,
  onDismiss,
}: {
  toast: ToastView;
  dismissMs: number;
  onDismiss: (id: string) => void;
}) {
  useEffect(() => {
    if (dismissMs <= 0) return;
    const timer = setTimeout(() => onDismiss(toast.id), dismissMs);
    return () => clearTimeout(timer);
  }, [toast.id, dismissMs, onDismiss]);
  const media = mediaLabel(toast.media);
  const queue = toast.queueName ?? toast.queueId ?? 'no queue';
  const from = [toast.caller, toast.address].filter(Boolean).join(' · ') || 'unknown caller';
  return (
    <article
      className="toast"
      data-testid="toast"
      data-toast-id={toast.id}
      data-conversation-id={toast.conversationId}
      data-media={toast.media}
    >
      <p className="toast-title">
        <span className="toast-media">Incoming {media}</span>
        <span className="toast-queue"> — {queue}</span>
      </p>
      <p className="toast-from">
        {toast.caller && <span className="toast-caller">{toast.caller}</span>}
        {toast.caller && toast.address && ' · '}
        <Address media={toast.media} address={toast.address} />
        {!toast.caller && !toast.address && 'unknown caller'}
      </p>
      <button
        type="button"
        className="toast-dismiss"
        onClick={() => onDismiss(toast.id)}
        aria-label={`Dismiss ${media} from ${from}`}
      >
        Dismiss
      </button>
    </article>
  );
});

/**
 * Where focus goes when the toast holding it goes (dismissed, timed out, answered): the dismiss
 * button of the toast now in its place, else of the one before, else the fallback (the agent's
 * heading, else the main region). Never left on <body>, where a keyboard user starts over.
 */
function focusAfterRemoval(container: HTMLElement | null, index: number, fallback: () => void) {
  const buttons = container?.querySelectorAll<HTMLButtonElement>('.toast-dismiss') ?? [];
  const next = buttons[Math.min(index, buttons.length - 1)];
  if (next) next.focus();
  else fallback();
}

function focusFallback() {
  const target =
    document.getElementById('agent-status-name') ?? document.getElementById('main') ?? undefined;
  target?.focus();
}

function Toasts({ store, userId }: { store: LiveStore; userId: string | undefined }) {
  const version = useStoreVersion(store, 'toasts');
  const { toastDismissMs } = useSettings();
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const containerRef = useRef<HTMLDivElement>(null);
  /** The toast focus was last in, and its place in the list then. */
  const focusedRef = useRef<{ id: string; index: number } | undefined>(undefined);
  const toasts = useMemo(
    () =>
      [...store.toasts.values()]
        .filter((t) => userId === undefined || t.userId === userId)
        .sort((a, b) => a.since.localeCompare(b.since)),
    [store, version, userId],
  );
  // Forget dismissals of toasts the hub has removed (a toast id never comes back).
  useEffect(() => {
    setDismissed((d) => {
      const kept = [...d].filter((id) => store.toasts.has(id));
      return kept.length === d.size ? d : new Set(kept);
    });
  }, [store, version]);
  const onDismiss = useMemo(
    () => (id: string) => setDismissed((d) => (d.has(id) ? d : new Set(d).add(id))),
    [],
  );
  const visible = toasts.filter((t) => !dismissed.has(t.id));
  const visibleKey = visible.map((t) => t.id).join('\n');
  // The toast that held focus is gone: move focus on before the browser drops it to <body>.
  useLayoutEffect(() => {
    const focused = focusedRef.current;
    if (!focused || visible.some((t) => t.id === focused.id)) return;
    focusedRef.current = undefined;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    focusAfterRemoval(containerRef.current, focused.index, focusFallback);
    // visibleKey stands for `visible`, a new array every render.
  }, [visibleKey]);
  return (
    <div
      ref={containerRef}
      className="toasts"
      role="status"
      aria-live="polite"
      data-testid="toasts"
      onFocus={(e) => {
        const article = (e.target as HTMLElement).closest<HTMLElement>('[data-toast-id]');
        const id = article?.dataset.toastId;
        if (id !== undefined)
          focusedRef.current = { id, index: visible.findIndex((t) => t.id === id) };
      }}
      onBlur={(e) => {
        // Focus moved somewhere else on purpose; a removed element blurs with no related target.
        const to = e.relatedTarget as Node | null;
        if (to && !e.currentTarget.contains(to)) focusedRef.current = undefined;
      }}
    >
      {visible.map((t) => (
        <Toast key={t.id} toast={t} dismissMs={toastDismissMs} onDismiss={onDismiss} />
      ))}
    </div>
  );
}

/** `/agent?user=<id>`: one agent's state and ringing-interaction toasts. */
export function AgentPage({ search }: { search: URLSearchParams }) {
  const userId = search.get('user') || undefined;
  const filter = useMemo<LiveFilter | undefined>(
    () => (userId ? { kinds: ['toasts', 'agents'], users: [userId] } : undefined),
    [userId],
  );
  const live = useLive(filter);
  return (
    <>
      <NavBar route="agent">{userId && <ConnectionIndicator live={live} />}</NavBar>
      <main className="agent-page" id="main" tabIndex={-1}>
        <h1 className="visually-hidden">Agent view</h1>
        {userId && <FreshnessBanner live={live} />}
        <AgentPicker selected={userId} onChoose={(id) => updateQuery({ user: id })} />
        {userId ? (
          <AgentStatus live={live} userId={userId} />
        ) : (
          <p className="empty">Choose an agent to see their state and incoming interactions.</p>
        )}
        <Toasts store={live.store} userId={userId} />
      </main>
    </>
  );
}
