import { useSyncExternalStore } from 'react';
import {
  SETTINGS_KEY,
  parseSettings,
  serializeSettings,
  type DashboardSettings,
} from './lib/settings.js';

function read(): DashboardSettings {
  try {
    return parseSettings(localStorage.getItem(SETTINGS_KEY));
  } catch {
    return parseSettings(undefined);
  }
}

let current = read();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab (or window) saved settings: follow it.
  const onStorage = (event: StorageEvent) => {
    if (event.key !== SETTINGS_KEY) return;
    current = read();
    listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useSettings(): DashboardSettings {
  return useSyncExternalStore(subscribe, () => current);
}

export function saveSettings(settings: DashboardSettings): void {
  current = settings;
  try {
    localStorage.setItem(SETTINGS_KEY, serializeSettings(settings));
  } catch {
    // storage full or refused: the settings last for this page
  }
  for (const listener of [...listeners]) listener();
}
