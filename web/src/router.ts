import { useSyncExternalStore } from 'react';

/** Client-side routes: plain History API, no router library. */
export type Route = 'wallboard' | 'board' | 'agent' | 'health' | 'pipelines' | 'not-found';

/** The board a `/boards/<name>` path names (a board name is a slug: nothing to decode). */
export function boardNameOf(pathname: string): string | undefined {
  return /^\/boards\/([a-z0-9][a-z0-9-]{0,63})\/?$/.exec(pathname)?.[1];
}

export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (boardNameOf(path) !== undefined) return 'board';
  switch (path) {
    case '/':
    case '/wallboard':
      return 'wallboard';
    case '/agent':
      return 'agent';
    case '/health':
      return 'health';
    case '/pipelines':
      return 'pipelines';
    default:
      return 'not-found';
  }
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const getHref = () => window.location.pathname + window.location.search;

/** The current path and query; re-renders on navigation. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, getHref);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** Goes to `href` (same origin); `replace` rewrites the current history entry instead. */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (href === getHref()) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const listener of [...listeners]) listener();
}

/** Sets or removes query parameters on the current URL. */
export function updateQuery(
  changes: Record<string, string | undefined>,
  options: { replace?: boolean } = {},
): void {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === '') url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  navigate(url.pathname + url.search, options);
}
