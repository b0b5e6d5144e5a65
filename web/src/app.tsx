import { useEffect, useState } from 'react';
import { TvContext } from './tv-context.js';
import { NavBar, onLinkClick } from './components/nav-bar.js';
import { AgentPage } from './pages/agent-page.js';
import { BoardPage } from './pages/board-page.js';
import { HealthPage } from './pages/health-page.js';
import { PipelinesPage } from './pages/pipelines-page.js';
import { WallboardPage } from './pages/wallboard-page.js';
import { boardNameOf, routeOf, useLocation } from './router.js';

const TITLES = {
  wallboard: 'Wallboard',
  board: 'Board',
  agent: 'Agent',
  health: 'Health',
  pipelines: 'Pipelines',
  'not-found': 'Not found',
};

export function App() {
  const { pathname, search } = useLocation();
  const route = routeOf(pathname);
  const [tv, setTv] = useState(false);

  useEffect(() => {
    document.documentElement.classList.toggle('tv', tv);
  }, [tv]);
  useEffect(() => {
    document.title = `${TITLES[route]} · Switchboard`;
  }, [route]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <TvContext.Provider value={setTv}>
        {route === 'wallboard' && <WallboardPage search={search} />}
        {route === 'board' && <BoardPage name={boardNameOf(pathname)!} search={search} />}
      </TvContext.Provider>
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
