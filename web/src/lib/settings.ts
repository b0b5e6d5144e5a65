/**
 * What the dashboard keeps per browser (localStorage): how this screen behaves, not what it
 * judges. Thresholds and boards are the gateway's, shared by every screen (shared-settings.ts).
 */
export interface DashboardSettings {
  /** Toasts hide themselves after this long; 0 keeps them until the hub removes them. */
  toastDismissMs: number;
}

export const SETTINGS_KEY = 'switchboard.settings.v1';

export const DEFAULT_TOAST_DISMISS_MS = 8_000;

export function parseSettings(text: string | null | undefined): DashboardSettings {
  let raw: unknown;
  try {
    raw = text ? JSON.parse(text) : undefined;
  } catch {
    raw = undefined;
  }
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const dismiss = r.toastDismissMs;
  return {
    toastDismissMs:
      typeof dismiss === 'number' && Number.isFinite(dismiss) && dismiss >= 0
        ? dismiss
        : DEFAULT_TOAST_DISMISS_MS,
  };
}

export function serializeSettings(settings: DashboardSettings): string {
  return JSON.stringify(settings);
}
