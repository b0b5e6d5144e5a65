/** Elapsed time as a clock: 0:07, 12:05, 1:02:03. Negative (clock skew) shows as 0:00. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** How long ago, for the connection indicator: "just now", "3 s ago", "2 min ago", "1 h ago". */
export function formatAge(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  if (sec < 1) return 'just now';
  if (sec < 60) return `${sec} s ago`;
  const min = Math.floor(sec / 60);
  if (min < 60) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}

/** A fraction (0..1) as a whole percentage; "—" when unknown. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${Math.round(fraction * 100)}%`;
}

/** Milliseconds since an ISO time, against a given clock; undefined when the time is unknown. */
export function elapsedSince(iso: string | null | undefined, nowMs: number): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? Math.max(0, nowMs - t) : undefined;
}

/** A media type for people: "voice" → "Voice call", "message" → "Message". */
export function mediaLabel(media: string): string {
  switch (media.toLowerCase()) {
    case 'voice':
    case 'call':
      return 'Voice call';
    case 'callback':
      return 'Callback';
    case 'email':
      return 'Email';
    case 'chat':
      return 'Chat';
    case 'message':
      return 'Message';
    default:
      return media ? media[0]!.toUpperCase() + media.slice(1) : 'Interaction';
  }
}

/** An upper-case enum for people: ON_QUEUE → "On queue". */
export function humanize(value: string | undefined): string {
  if (!value) return '—';
  const words = value.replace(/_/g, ' ').toLowerCase();
  return words[0]!.toUpperCase() + words.slice(1);
}
