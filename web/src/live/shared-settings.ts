import { useMemo } from 'react';
import type { Board, BoardsDocument } from '@protocol/boards.js';
import type { ThresholdsDocument } from '@protocol/thresholds.js';
import {
  layersOf,
  stateIndexOf,
  type StateThreshold,
  type ThresholdLayers,
} from '../lib/thresholds.js';
import type { LiveStore } from './live-store.js';
import { ServerResource, useResource, type Resource } from './server-resource.js';
import { useStoreSelector } from './use-live.js';

/**
 * What the gateway keeps for every screen: thresholds (`/api/v1/thresholds`) and named boards
 * (`/api/v1/boards`). One copy per page, refetched when a heartbeat's `settingsVersion` moves.
 */

function object(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

function parseThresholdsDocument(body: unknown): ThresholdsDocument {
  const b = object(body);
  return {
    version: typeof b.version === 'number' ? b.version : 0,
    config: object(b.config),
    dashboard: object(b.dashboard),
    updatedAt: typeof b.updatedAt === 'string' ? b.updatedAt : null,
  };
}

function parseBoardsDocument(body: unknown): BoardsDocument {
  const b = object(body);
  return {
    version: typeof b.version === 'number' ? b.version : 0,
    boards: Array.isArray(b.boards) ? (b.boards as Board[]) : [],
  };
}

export const thresholdsResource = new ServerResource(
  '/api/v1/thresholds',
  parseThresholdsDocument,
  (doc) => doc.version,
);

export const boardsResource = new ServerResource(
  '/api/v1/boards',
  parseBoardsDocument,
  (doc) => doc.version,
);

/** The settings version the live stream last announced (undefined before a heartbeat). */
export function useAnnouncedVersion(store: LiveStore): number | undefined {
  return useStoreSelector(store, () => store.settingsVersion);
}

export function useThresholds(store: LiveStore): {
  resource: Resource<ThresholdsDocument>;
  layers: ThresholdLayers;
  stateIndex: Map<string, StateThreshold>;
} {
  const resource = useResource(thresholdsResource, useAnnouncedVersion(store));
  const doc = resource.status === 'loading' ? undefined : resource.value;
  const layers = useMemo(() => layersOf(doc), [doc]);
  const stateIndex = useMemo(() => stateIndexOf(layers), [layers]);
  return { resource, layers, stateIndex };
}

export function useBoards(store: LiveStore): Resource<BoardsDocument> {
  return useResource(boardsResource, useAnnouncedVersion(store));
}
