import { stateClass, type LegendEntry } from '../lib/agents.js';
import { labelKey } from '../lib/thresholds.js';

/** Agents per state; each entry toggles the state filter. */
export function StateLegend({
  entries,
  selected,
  onSelect,
}: {
  entries: LegendEntry[];
  selected: string | undefined;
  onSelect: ((label: string | undefined) => void) | undefined;
}) {
  const total = entries.reduce((n, e) => n + e.count, 0);
  return (
    <ul className="legend" aria-label="Agents per state" data-testid="legend">
      {entries.map((e) => {
        const isSelected = selected !== undefined && labelKey(selected) === labelKey(e.label);
        const content = (
          <>
            <span className={`swatch ${stateClass(e.label)}`} aria-hidden="true" />
            <span className="legend-label">{e.label}</span>
            <span className="legend-count" data-testid="legend-count">
              {e.count}
            </span>
          </>
        );
        return (
          <li key={e.label} data-label={e.label} data-count={e.count}>
            {onSelect ? (
              <button
                type="button"
                aria-pressed={isSelected}
                onClick={() => onSelect(isSelected ? undefined : e.label)}
              >
                {content}
              </button>
            ) : (
              <span className="legend-item">{content}</span>
            )}
          </li>
        );
      })}
      <li className="legend-total">
        <span className="legend-item">
          <span className="legend-label">Total</span>
          <span className="legend-count">{total}</span>
        </span>
      </li>
    </ul>
  );
}
