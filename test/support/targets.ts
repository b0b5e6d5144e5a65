/** `GET /api/v1/targets` as tests read it (src/router/router.ts `stats()`). */
import assert from 'node:assert/strict';

export interface TargetStat {
  name: string;
  type: string;
  offset: number;
  lag: number;
  delivered: number;
  failed: number;
  retried: number;
  deadLettered: number;
  dlqDepth: number;
  circuit: string;
  circuitOpened: number;
  inFlight: number;
  lastError?: { code: string; message: string; at: string };
  details?: { silver?: { watermark: number; behind: number; runs: number } };
}

export async function targetStats(url: string): Promise<TargetStat[]> {
  const res = await fetch(`${url}/api/v1/targets`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { targets: TargetStat[] }).targets;
}

export async function targetStat(url: string, name: string): Promise<TargetStat> {
  const found = (await targetStats(url)).find((s) => s.name === name);
  assert.ok(found, `target ${name} listed`);
  return found;
}
