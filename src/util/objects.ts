export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Paths are a small fixed set (code constants and config keys); splitting each once keeps the
// ingest hot path free of per-event string allocation.
const SPLIT = new Map<string, readonly string[]>();

/** Reads a dotted path (`data.interactionId`) from parsed JSON; undefined when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  let keys = SPLIT.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    if (SPLIT.size < 10_000) SPLIT.set(path, keys);
  }
  let node = value;
  for (const key of keys) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}
