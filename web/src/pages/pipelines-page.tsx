import { useMemo, useRef } from 'react';
import { NavBar } from '../components/nav-bar.js';
import { PipelineSchemaDrift } from '../components/pipeline-schema-drift.js';
import { PipelineTargets } from '../components/pipeline-targets.js';
import { formatAge } from '../lib/format.js';
import { deliveredSample, deliveryRates, type DeliveredSample } from '../lib/delivery-rates.js';
import { loadPipelines, type TargetRow } from '../lib/pipelines.js';
import { usePoll } from '../live/use-poll.js';
import { useTick } from '../live/use-tick.js';

const POLL_MS = 2_000;

const EXAMPLE = `sinks:
  targets:
    - name: crm
      type: http
      url: https://crm.example.com/hook
      secret: env:CRM_SECRET
  routes:
    - name: presence-to-crm
      pattern: { kind: [user.presence] }
      targets: [crm]`;

function NoTargets() {
  return (
    <section className="sources" aria-labelledby="no-targets-title" data-testid="no-targets">
      <h2 id="no-targets-title">No targets configured</h2>
      <p>
        The router sends events from the log to targets, each with its own offset, retries and
        dead-letter queue. None is configured on this gateway: add <code>sinks.targets</code> and
        the <code>sinks.routes</code> that select events for them to <code>switchboard.yaml</code>,
        then restart the gateway. For example, an HTTP target that receives every presence event:
      </p>
      <pre>
        <code>{EXAMPLE}</code>
      </pre>
      <p>
        A route&apos;s <code>pattern</code> is an EventBridge event pattern over the event;{' '}
        <code>{'{}'}</code> matches every event.
      </p>
    </section>
  );
}

/** Delivered per second per target, from the last two answers. */
function useDeliveryRates(
  targets: TargetRow[] | undefined,
  at: number | undefined,
): ReadonlyMap<string, number | undefined> {
  const samples = useRef<{ previous?: DeliveredSample; current?: DeliveredSample }>({});
  return useMemo(() => {
    if (!targets || at === undefined) return new Map();
    const s = samples.current;
    if (s.current?.at !== at) {
      s.previous = s.current;
      s.current = deliveredSample(targets, at);
    }
    return deliveryRates(s.previous, s.current);
  }, [targets, at]);
}

/** `/pipelines`: the router's targets, their dead letters, and schema drift. */
export function PipelinesPage() {
  const poll = usePoll(loadPipelines, POLL_MS);
  const tick = useTick();
  const now = Math.max(tick, Date.now());
  const data = poll.status === 'loading' ? undefined : poll.value;
  const updatedAt = poll.status === 'loading' ? undefined : poll.at;
  const rates = useDeliveryRates(data?.targets, updatedAt);
  return (
    <>
      <NavBar route="pipelines" />
      <main className="health" id="main">
        <h1>Pipelines</h1>
        <p className="health-status" data-testid="pipelines-status">
          {poll.status === 'loading' && 'Loading…'}
          {poll.status === 'ok' &&
            `Every ${POLL_MS / 1000} s · updated ${formatAge(Math.max(0, now - poll.at))}`}
          {poll.status === 'error' && (
            <span className="error" role="alert">
              Could not load the targets: {poll.message}
              {updatedAt !== undefined &&
                ` · showing data from ${formatAge(Math.max(0, now - updatedAt))}`}
            </span>
          )}
        </p>
        {data && data.targets.length === 0 && <NoTargets />}
        {data && data.targets.length > 0 && (
          <section className="sources" aria-labelledby="targets-title">
            <h2 id="targets-title">Targets</h2>
            <PipelineTargets targets={data.targets} rates={rates} now={now} />
          </section>
        )}
        {data?.schemaDrift && <PipelineSchemaDrift drift={data.schemaDrift} />}
      </main>
    </>
  );
}
