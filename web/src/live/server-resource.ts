import { useEffect, useSyncExternalStore } from 'react';
import { getJson } from '../api.js';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ok'; value: T }
  /** The last good value is kept: a failed refresh does not blank the board. */
  | { status: 'error'; message: string; value: T | undefined };

/**
 * A document the gateway keeps for every screen (thresholds, boards), held once per page and
 * fetched again when the live stream's heartbeat says it changed (`settingsVersion`), so two
 * screens agree within a heartbeat of a change on either. One request at a time; a change seen
 * while one is in flight fetches again after it.
 */
export class ServerResource<T> {
  #state: Resource<T> = { status: 'loading' };
  #version: number | undefined;
  #inFlight = false;
  #again = false;
  #started = false;
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly path: string,
    readonly parse: (body: unknown) => T,
    readonly versionOf: (value: T) => number,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    if (!this.#started) {
      this.#started = true;
      void this.refresh();
    }
    return () => this.#listeners.delete(listener);
  };

  get = (): Resource<T> => this.#state;

  /** Takes a value the gateway answered a write with, without another request. */
  set(value: T): void {
    this.#version = this.versionOf(value);
    this.#state = { status: 'ok', value };
    this.#notify();
  }

  /** The gateway announced `version`: fetch unless that is what we hold. */
  announce(version: number | undefined): void {
    if (version === undefined || version === this.#version) return;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#inFlight = true;
    try {
      const value = this.parse(await getJson(this.path));
      this.set(value);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const value = this.#state.status === 'loading' ? undefined : this.#state.value;
      this.#state = { status: 'error', message, value };
      this.#notify();
    } finally {
      this.#inFlight = false;
      if (this.#again) {
        this.#again = false;
        void this.refresh();
      }
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** The resource's current state; refetched when `announced` (a settings version) changes. */
export function useResource<T>(resource: ServerResource<T>, announced?: number): Resource<T> {
  useEffect(() => resource.announce(announced), [resource, announced]);
  return useSyncExternalStore(resource.subscribe, resource.get);
}
