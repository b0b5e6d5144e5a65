/**
 * Wall-clock time and timers for the emulator's transport: push retries and fault windows act in
 * real time, unlike the simulation's virtual time. Tests inject a manual clock so a retry or a
 * window's end happens at an instant they choose instead of after a real wait.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Runs `run` after `ms`; returns a cancel. The timer never keeps the process alive. */
  after(ms: number, run: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
