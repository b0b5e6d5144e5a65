import { Fragment, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A grid for a room: it shows as many items as fit the space it has (never a scrollbar, never
 * half an item), and turns to the next page every `pageSeconds`, so every item is seen in turn.
 * How many fit is measured, not assumed: the first item's size and the container's, re-measured
 * whenever either changes; a page that still overflows (a taller item) drops a row.
 */
export function PagedGrid<T>({
  items,
  keyOf,
  render,
  pageSeconds,
  label,
  className,
  paused = false,
  testId,
}: {
  items: readonly T[];
  keyOf: (item: T) => string;
  /** One `<li>` per item. */
  render: (item: T) => ReactNode;
  pageSeconds: number;
  /** What the items are, for the page note: "Agents", "Queues". */
  label: string;
  className: string;
  /** Stop turning pages (the board is stale: the same page stays while nothing is known). */
  paused?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLUListElement>(null);
  const [perPage, setPerPage] = useState(1);
  const [page, setPage] = useState(0);
  const [fitKey, setFitKey] = useState(0);

  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const current = Math.min(page, pages - 1);
  const shown = items.slice(current * perPage, current * perPage + perPage);

  // Measure: columns from the first item's width, rows from its height, within the container.
  useLayoutEffect(() => {
    const list = ref.current;
    const first = list?.firstElementChild as HTMLElement | null | undefined;
    if (!list || !first) return;
    const style = getComputedStyle(list);
    const colGap = parseFloat(style.columnGap) || 0;
    const rowGap = parseFloat(style.rowGap) || 0;
    const cols = Math.max(
      1,
      Math.round((list.clientWidth + colGap) / (first.offsetWidth + colGap)),
    );
    let rows = Math.max(
      1,
      Math.floor((list.clientHeight + rowGap) / (first.offsetHeight + rowGap)),
    );
    // Taller items than the first (a wrapped name): while the page overflows, one row fewer.
    if (list.scrollHeight > list.clientHeight + 1 && shown.length >= perPage && perPage > cols) {
      rows = Math.max(1, Math.min(rows, Math.ceil(perPage / cols) - 1));
    }
    const next = cols * rows;
    if (next !== perPage) setPerPage(next);
  }, [fitKey, perPage, shown.length, items.length]);

  useEffect(() => {
    const list = ref.current;
    if (!list) return;
    const observer = new ResizeObserver(() => setFitKey((k) => k + 1));
    observer.observe(list);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (paused || pages <= 1) return;
    const timer = setTimeout(() => setPage((p) => (p + 1) % pages), pageSeconds * 1000);
    return () => clearTimeout(timer);
  }, [paused, pages, current, pageSeconds]);

  const from = items.length === 0 ? 0 : current * perPage + 1;
  const to = current * perPage + shown.length;
  return (
    <div className="paged" data-testid={testId}>
      <p
        className="page-note"
        data-testid={testId ? `${testId}-page` : undefined}
        data-page={current + 1}
        data-pages={pages}
        data-from={from}
        data-to={to}
      >
        {label} {from}–{to} of {items.length}
        {pages > 1 && (
          <>
            {' '}
            · page {current + 1} of {pages}
          </>
        )}
      </p>
      <ul ref={ref} className={`paged-grid ${className}`}>
        {shown.map((item) => (
          <Fragment key={keyOf(item)}>{render(item)}</Fragment>
        ))}
      </ul>
    </div>
  );
}
