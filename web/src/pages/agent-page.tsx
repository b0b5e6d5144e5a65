import { memo, useEffect, useMemo, useState } from 'react';
import type { ToastView } from '@protocol/live-messages.js';
import { AgentPicker } from '../components/agent-picker.js';
import { ConnectionIndicator } from '../components/connection-indicator.js';
import { NavBar } from '../components/nav-bar.js';
import { stateToken } from '../lib/agents.js';
import { elapsedSince, formatDuration, humanize, mediaLabel } from '../lib/format.js';
import { levelText, stateLevel, stateThresholdIndex } from '../lib/thresholds.js';
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
  const settings = useSettings();
  const index = useMemo(
    () => stateThresholdIndex(settings.thresholds.states),
    [settings.thresholds.states],
  );
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
      className={`agent-status state-${stateToken(agent.label)} level-${level}`}
      aria-labelledby="agent-status-name"
      data-testid="agent-status"
      data-agent-id={agent.id}
      data-label={agent.label}
    >
      <h2 id="agent-status-name">{agent.name ?? agent.id}</h2>
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
      <p className="toast-from">{from}</p>
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

function Toasts({ store, userId }: { store: LiveStore; userId: string | undefined }) {
  const version = useStoreVersion(store, 'toasts');
  const { toastDismissMs } = useSettings();
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
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
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
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
      <main className="agent-page" id="main">
        <h1 className="visually-hidden">Agent view</h1>
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
