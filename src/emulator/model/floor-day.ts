/**
 * The floor's working day: how busy each hour is, which shapes both when agents are on shift and
 * how many customers arrive. The day is the floor's own, counted from the simulation start (which
 * is mid-morning, `DAY_START_HOUR`), not the wall clock's, so a demo opens on its busy hours
 * whenever it is started and a seed gives the same day at any start time.
 */

/** The floor hour the simulation starts at: mid-morning, the busy hours ahead. */
export const DAY_START_HOUR = 9.5;

/** Minutes per slot of the day's arrival plan (`Queue.arrivalsPerHour`). */
export const SLOT_MIN = 15;
export const SLOTS_PER_DAY = (24 * 60) / SLOT_MIN;

/** Demand through the floor's day (0–1), as [hour, level]: linear in between. */
const DEMAND: readonly (readonly [number, number])[] = [
  [0, 0.12],
  [6, 0.12],
  [8, 0.6],
  [9.5, 1],
  [12, 0.9],
  [13.5, 1],
  [16.5, 0.95],
  [19, 0.5],
  [22, 0.2],
  [24, 0.12],
];

/** How busy the floor is at an hour of its day (0–24), 0–1. */
export function demandAt(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  for (let i = 1; i < DEMAND.length; i++) {
    const [h1, v1] = DEMAND[i]!;
    if (h > h1) continue;
    const [h0, v0] = DEMAND[i - 1]!;
    return v0 + ((v1 - v0) * (h - h0)) / (h1 - h0);
  }
  return DEMAND[DEMAND.length - 1]![1];
}

/**
 * The share of on-queue time agents should spend working at that demand: 85–88 % in the busy
 * hours, nearer 60 % overnight, when a thin floor waits for the odd call.
 */
export function targetOccupancy(demand: number): number {
  return 0.58 + 0.3 * demand;
}

/** The floor hour (0–24) of a minute counted from the simulation start. */
export function floorHourAt(minutesFromStart: number): number {
  return (((DAY_START_HOUR + minutesFromStart / 60) % 24) + 24) % 24;
}

/** The slot of the arrival plan in force at `now`. */
export function slotAt(startMs: number, now: number): number {
  const slot = Math.floor((now - startMs) / (SLOT_MIN * 60_000));
  return ((slot % SLOTS_PER_DAY) + SLOTS_PER_DAY) % SLOTS_PER_DAY;
}
