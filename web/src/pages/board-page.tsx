import { NavBar, onLinkClick } from '../components/nav-bar.js';
import { boardsResource } from '../live/shared-settings.js';
import { useResource } from '../live/server-resource.js';
import { WallboardPage } from './wallboard-page.js';

/**
 * `/boards/<name>`: a named board the gateway keeps (filters and layout), so a TV is set up by
 * opening one URL. The board follows changes saved on any screen (the wallboard announces them).
 */
export function BoardPage({ name, search }: { name: string; search: URLSearchParams }) {
  const boards = useResource(boardsResource);
  const doc = boards.status === 'loading' ? undefined : boards.value;
  const board = doc?.boards.find((b) => b.name === name);
  if (board) return <WallboardPage search={search} board={board} />;
  return (
    <>
      <NavBar route="wallboard" />
      <main id="main" className="not-found" data-testid="board-missing">
        <h1>{boards.status === 'loading' ? 'Loading board…' : 'No such board'}</h1>
        {boards.status === 'error' && <p role="alert">Could not load boards: {boards.message}</p>}
        {boards.status !== 'loading' && (
          <p>
            No board is named <code>{name}</code>.{' '}
            <a href="/" onClick={onLinkClick}>
              Go to the wallboard
            </a>{' '}
            to save one (Boards).
          </p>
        )}
      </main>
    </>
  );
}
