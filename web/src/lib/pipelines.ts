/**
 * The router's operations API (`/api/v1/targets`, `/api/v1/dlq`, `/api/v1/dlq/replay`), read
 * defensively: the Pipelines page shows what it can of an answer it does not fully understand.
 */
import { ApiError, getJson, postJson } from '../api.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface TargetError {
  code: string;
  message: string;
  /** ISO time. */
  at: string;
}

export interface TargetRow {
  name: string;
  type: string;
  offset: number;
  /** Events behind the log head. */
  lag: number;
  delivered: number;
  failed: number;
  retried: number;
  deadLettered: number;
  dlqDepth: number;
  circuit: CircuitState | 'unknown';
  circuitOpened: number;
  inFlight: number;
  lastError: TargetError | undefined;
  /** A lake's silver tables: events bronze holds that silver does not yet, and its last error. */
  silver: { behind: number; lastError: string | undefined } | undefined;
}

export interface DriftRow {
  kind: string;
  field: string;
  problem: string;
  count: number;
}

export interface Pipelines {
  targets: TargetRow[];
  /** Undefined when the gateway does not report drift at all (older gateways). */
  schemaDrift: DriftRow[] | undefined;
}

export interface DeadLetterRow {
  target: string;
  id: string;
  offset: number;
  attempts: number;
  lastError: string;
  code: string;
  firstFailedAt: string;
  lastFailedAt: string;
  kind: string;
  topic: string;
  bodyBytes: number;
}

export interface DeadLetterPage {
  deadLetters: DeadLetterRow[];
  /** Set when there are more than were asked for. */
  next: string | undefined;
}

export interface ReplayResult {
  tried: number;
  delivered: number;
  failed: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

function parseError(v: unknown): TargetError | undefined {
  if (!isObject(v)) return undefined;
  const code = str(v.code);
  const message = str(v.message);
  if (!code && !message) return undefined;
  return { code: code || 'ERROR', message, at: str(v.at) };
}

function parseSilver(details: unknown): TargetRow['silver'] {
  if (!isObject(details) || !isObject(details.silver)) return undefined;
  const error = details.silver.lastError;
  return {
    behind: num(details.silver.behind),
    lastError: isObject(error) ? str(error.message) || undefined : undefined,
  };
}

function parseCircuit(v: unknown): TargetRow['circuit'] {
  return v === 'closed' || v === 'open' || v === 'half-open' ? v : 'unknown';
}

export function parseTargets(body: unknown): Pipelines {
  const root = isObject(body) ? body : {};
  const targets: TargetRow[] = (Array.isArray(root.targets) ? root.targets : [])
    .filter(isObject)
    .filter((t) => typeof t.name === 'string')
    .map((t) => ({
      name: str(t.name),
      type: str(t.type, '—'),
      offset: num(t.offset),
      lag: num(t.lag),
      delivered: num(t.delivered),
      failed: num(t.failed),
      retried: num(t.retried),
      deadLettered: num(t.deadLettered),
      dlqDepth: num(t.dlqDepth),
      circuit: parseCircuit(t.circuit),
      circuitOpened: num(t.circuitOpened),
      inFlight: num(t.inFlight),
      lastError: parseError(t.lastError),
      silver: parseSilver(t.details),
    }));
  const schemaDrift = Array.isArray(root.schemaDrift)
    ? root.schemaDrift
        .filter(isObject)
        .map((d) => ({
          kind: str(d.kind, '—'),
          field: str(d.field, '—'),
          problem: str(d.problem, '—'),
          count: num(d.count),
        }))
        .sort((a, b) => a.kind.localeCompare(b.kind) || a.field.localeCompare(b.field))
    : undefined;
  return { targets, schemaDrift };
}

export function parseDeadLetters(body: unknown): DeadLetterPage {
  const root = isObject(body) ? body : {};
  const deadLetters = (Array.isArray(root.deadLetters) ? root.deadLetters : [])
    .filter(isObject)
    .map((d) => ({
      target: str(d.target),
      id: str(d.id),
      offset: num(d.offset),
      attempts: num(d.attempts),
      lastError: str(d.lastError),
      code: str(d.code),
      firstFailedAt: str(d.firstFailedAt),
      lastFailedAt: str(d.lastFailedAt),
      kind: str(d.kind),
      topic: str(d.topic),
      bodyBytes: num(d.bodyBytes),
    }));
  return { deadLetters, next: typeof root.next === 'string' ? root.next : undefined };
}

export function parseReplay(body: unknown): ReplayResult {
  const root = isObject(body) ? body : {};
  return { tried: num(root.tried), delivered: num(root.delivered), failed: num(root.failed) };
}

/** What a circuit state means, in words (never colour alone). */
export function circuitLabel(state: TargetRow['circuit']): { label: string; meaning: string } {
  switch (state) {
    case 'closed':
      return { label: 'Closed', meaning: 'ok' };
    case 'half-open':
      return { label: 'Half-open', meaning: 'probing' };
    case 'open':
      return { label: 'Open', meaning: 'paused' };
    default:
      return { label: 'Unknown', meaning: 'not reported' };
  }
}

/** "3 delivered, 1 back in the DLQ"; "Nothing to replay" when the DLQ was already empty. */
export function replaySummary(r: ReplayResult): string {
  if (r.tried === 0) return 'Nothing to replay';
  return `${r.delivered} delivered, ${r.failed} back in the DLQ`;
}

/** An error of a replay for people: a busy gateway says so plainly. */
export function replayErrorMessage(err: unknown): string {
  if (err instanceof ApiError && err.code === 'SB_REPLAY_BUSY') {
    return 'Another replay is running; try again when it ends.';
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}

/** "1.2 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const loadPipelines = async (signal: AbortSignal): Promise<Pipelines> =>
  parseTargets(await getJson('/api/v1/targets', signal));

export const loadDeadLetters = async (
  target: string,
  limit: number,
  signal: AbortSignal,
): Promise<DeadLetterPage> =>
  parseDeadLetters(
    await getJson(`/api/v1/dlq?target=${encodeURIComponent(target)}&limit=${limit}`, signal),
  );

export const replayTarget = async (target: string): Promise<ReplayResult> =>
  parseReplay(await postJson('/api/v1/dlq/replay', { target }));
