import type { DriftRow } from '../lib/pipelines.js';

/** Fields of incoming events that did not match their kind's schema, per kind and field. */
export function PipelineSchemaDrift({ drift }: { drift: DriftRow[] }) {
  return (
    <section className="sources" aria-labelledby="drift-title" data-testid="schema-drift">
      <h2 id="drift-title">Schema drift</h2>
      {drift.length === 0 ? (
        <p className="health-status">No drift seen.</p>
      ) : (
        <table className="sources-table">
          <caption className="visually-hidden">Schema drift by event kind and field</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {drift.map((d) => (
              <tr key={`${d.kind}\u0000${d.field}\u0000${d.problem}`}>
                <th scope="row">{d.kind}</th>
                <td>
                  <code>{d.field}</code>
                </td>
                <td>{d.problem}</td>
                <td>{d.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
