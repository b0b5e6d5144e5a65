import { useState, type FormEvent } from 'react';
import type { BoardInput, BoardLayout } from '@protocol/boards.js';
import { isBoardName, validateBoardInput } from '@protocol/boards.js';
import { ApiError, deleteJson, putJson } from '../api.js';
import { filtersOf, type BoardView } from '../lib/board-view.js';
import type { LiveStore } from '../live/live-store.js';
import { boardsResource, useBoards } from '../live/shared-settings.js';
import { navigate } from '../router.js';
import { onLinkClick } from './nav-bar.js';
import { ModalForm } from './modal-form.js';

interface Problem {
  path: string;
  message: string;
}

/** A board name from a title: "Billing floor (TV 2)" → "billing-floor-tv-2". */
export function slugOf(title: string): string {
  return title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function describe(view: BoardView): string {
  const parts = [
    view.queue && 'one queue',
    view.team && 'one team',
    view.state && `state ${view.state}`,
    view.q && `name “${view.q}”`,
  ].filter(Boolean);
  return parts.length === 0 ? 'every agent and queue' : parts.join(', ');
}

/**
 * Named boards the gateway keeps for every screen: the list (each with its own URL) and "save
 * this view" (its filters, with a layout for a room). A board from the config file is listed but
 * cannot be changed here.
 */
export function BoardsDialog({
  open,
  onClose,
  view,
  store,
}: {
  open: boolean;
  onClose: () => void;
  view: BoardView;
  store: LiveStore;
}) {
  const boards = useBoards(store);
  const [title, setTitle] = useState('');
  const [name, setName] = useState('');
  const [nameEdited, setNameEdited] = useState(false);
  const [layout, setLayout] = useState<BoardLayout>(view.layout);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [status, setStatus] = useState<string | undefined>();

  const reset = () => {
    setTitle(view.board?.title ?? '');
    setName(view.board?.name ?? '');
    setNameEdited(view.board !== undefined);
    setLayout({ ...view.layout, tv: true });
    setProblems([]);
    setStatus(undefined);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const input: BoardInput = { title: title.trim(), filters: filtersOf(view), layout };
    const checked = validateBoardInput(input);
    const found: Problem[] = [...checked.problems];
    if (!isBoardName(name)) {
      found.unshift({
        path: 'name',
        message:
          'must be 1 to 64 lower-case letters, digits and dashes, starting with a letter or digit',
      });
    }
    setProblems(found);
    if (found.length > 0) return;
    try {
      await putJson(`/api/v1/boards/${name}`, input);
      await boardsResource.refresh();
      setStatus(`Saved: ${window.location.origin}/boards/${name}`);
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.details.problems)) {
        setProblems(err.details.problems as Problem[]);
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        setProblems([
          { path: 'token', message: 'saving a board needs an API token without a scope' },
        ]);
      } else {
        setProblems([{ path: 'board', message: err instanceof Error ? err.message : String(err) }]);
      }
    }
  };

  const remove = async (boardName: string) => {
    try {
      await deleteJson(`/api/v1/boards/${boardName}`);
      await boardsResource.refresh();
      setStatus(`Deleted ${boardName}.`);
    } catch (err) {
      setStatus(err instanceof Error ? err.message : String(err));
    }
  };

  const list = boards.status === 'loading' ? undefined : boards.value?.boards;
  return (
    <ModalForm
      open={open}
      onOpen={reset}
      onClose={onClose}
      onSubmit={(e) => void save(e)}
      title="Boards"
      className="settings boards"
      testId="boards"
    >
      <p className="hint">
        A board is a saved view with its own address, kept on the gateway: open it on a TV and it
        shows the same filters and layout on every screen.
      </p>
      {list === undefined ? (
        <p>{boards.status === 'error' ? `Could not load boards: ${boards.message}` : 'Loading…'}</p>
      ) : list.length === 0 ? (
        <p>No boards yet.</p>
      ) : (
        <ul className="board-list" data-testid="board-list">
          {list.map((b) => (
            <li key={b.name}>
              <a
                href={`/boards/${b.name}`}
                onClick={(e) => {
                  onClose();
                  onLinkClick(e);
                }}
              >
                {b.title}
              </a>{' '}
              <code>/boards/{b.name}</code>
              {b.source === 'config' ? (
                <span className="metric-note"> (config file)</span>
              ) : (
                <button type="button" onClick={() => void remove(b.name)}>
                  Delete<span className="visually-hidden"> {b.title}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <fieldset>
        <legend>Save this view as a board</legend>
        <p className="hint">Shows {describe(view)}.</p>
        <div className="field-grid">
          <label>
            <span>Title</span>
            <input
              value={title}
              maxLength={100}
              required
              onChange={(e) => {
                setTitle(e.target.value);
                if (!nameEdited) setName(slugOf(e.target.value));
              }}
            />
          </label>
          <label>
            <span>Name (its address)</span>
            <input
              value={name}
              maxLength={64}
              pattern="[a-z0-9][a-z0-9-]*"
              onChange={(e) => {
                setName(e.target.value);
                setNameEdited(true);
              }}
            />
          </label>
          <label>
            <span>Agents</span>
            <select
              value={layout.agents}
              onChange={(e) =>
                setLayout({ ...layout, agents: e.target.value as BoardLayout['agents'] })
              }
            >
              <option value="all">All, a page at a time</option>
              <option value="exceptions">Only those needing attention</option>
              <option value="none">None (queues only)</option>
            </select>
          </label>
          <label>
            <span>Turn the page every (s)</span>
            <input
              type="number"
              min={5}
              max={300}
              value={layout.pageSeconds}
              onChange={(e) => setLayout({ ...layout, pageSeconds: Number(e.target.value) })}
            />
          </label>
        </div>
        <div className="checks">
          <label>
            <input
              type="checkbox"
              checked={layout.tv}
              onChange={(e) => setLayout({ ...layout, tv: e.target.checked })}
            />{' '}
            Open in TV mode
          </label>
          <label>
            <input
              type="checkbox"
              checked={layout.flash}
              onChange={(e) => setLayout({ ...layout, flash: e.target.checked })}
            />{' '}
            Flash on a new alert
          </label>
          <label>
            <input
              type="checkbox"
              checked={layout.sound}
              onChange={(e) => setLayout({ ...layout, sound: e.target.checked })}
            />{' '}
            Sound on a new alert
          </label>
        </div>
      </fieldset>
      {problems.length > 0 && (
        <div role="alert" className="form-problems" data-testid="board-problems">
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                <code>{p.path}</code> {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {status && (
        <p role="status" data-testid="board-status">
          {status}{' '}
          {status.startsWith('Saved') && (
            <button
              type="button"
              onClick={() => {
                onClose();
                navigate(`/boards/${name}`);
              }}
            >
              Open it
            </button>
          )}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary">
          Save board
        </button>
      </div>
    </ModalForm>
  );
}
