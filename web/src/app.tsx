import { useEffect } from 'react';
import { NavBar, onLinkClick } from './components/nav-bar.js';
import { AgentPage } from './pages/agent-page.js';
import { HealthPage } from './pages/health-page.js';
import { PipelinesPage } from './pages/pipelines-page.js';
import { WallboardPage } from './pages/wallboard-page.js';
import { routeOf, useLocation } from './router.js';

const TITLES = {
  wallboard: 'Wallboard',
  agent: 'Agent',
  health: 'Health',
  pipelines: 'Pipelines',
  'not-found': 'Not found',
};

export function App() {
  const { pathname, search } = useLocation();
  const route = routeOf(pathname);
  const tv = route === 'wallboard' && search.get('tv') === '1';

  useEffect(() => {
    document.documentElement.classList.toggle('tv', tv);
    document.title = `${TITLES[route]} · Switchboard`;
  }, [tv, route]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      {route === 'wallboard' && <WallboardPage search={search} />}
      {route === 'agent' && <AgentPage search={search} />}
      {route === 'health' && <HealthPage />}
      {route === 'pipelines' && <PipelinesPage />}
      {route === 'not-found' && (
        <>
          <NavBar route="not-found" />
          <main id="main" className="not-found">
            <h1>Page not found</h1>
            <p>
              Nothing at <code>{pathname}</code>.{' '}
              <a href="/" onClick={onLinkClick}>
                Go to the wallboard
              </a>
              .
            </p>
          </main>
        </>
      )}
    </>
  );
}
