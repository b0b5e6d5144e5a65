import type { MouseEvent, ReactNode } from 'react';
import { navigate, type Route } from '../router.js';

const LINKS: { route: Route; href: string; label: string }[] = [
  { route: 'wallboard', href: '/', label: 'Wallboard' },
  { route: 'agent', href: '/agent', label: 'Agent' },
  { route: 'health', href: '/health', label: 'Health' },
  { route: 'pipelines', href: '/pipelines', label: 'Pipelines' },
];

/** Follows same-origin links with the History API (a modified click opens a tab as usual). */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  const url = new URL(event.currentTarget.href);
  navigate(url.pathname + url.search);
}

export function NavBar({ route, children }: { route: Route; children?: ReactNode }) {
  return (
    <header className="topbar">
      <a className="brand" href="/" onClick={onLinkClick}>
        Switchboard
      </a>
      <nav aria-label="Dashboard pages">
        <ul>
          {LINKS.map((link) => (
            <li key={link.route}>
              <a
                href={link.href}
                onClick={onLinkClick}
                aria-current={route === link.route ? 'page' : undefined}
              >
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="topbar-end">{children}</div>
    </header>
  );
}
