import { useTick } from '../live/use-tick.js';

const format = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The room's clock (this screen's time), on the shared ticker. */
export function TvClock() {
  const now = useTick();
  const date = new Date(now);
  return (
    <time className="tv-clock" dateTime={date.toISOString()} data-testid="tv-clock">
      {format.format(date)}
    </time>
  );
}
