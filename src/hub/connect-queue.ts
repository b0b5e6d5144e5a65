import { performance } from 'node:perf_hooks';

/**
 * Runs the set-up of new live connections (reading the filter, indexing it, cutting the
 * snapshot) a slice of the event loop at a time. Each set-up is bounded, but a burst of them —
 * hundreds of wide filters at once, or every wallboard reconnecting after a restart — arrives in
 * one turn of the loop, and run there back to back they would hold up everything else (acks,
 * heartbeats, /healthz) for the sum of their costs. Queued, they run in order, about `sliceMs`
 * of them per turn.
 */
export class ConnectQueue {
  #tasks: ((() => void) | undefined)[] = [];
  #head = 0;
  #turn: NodeJS.Immediate | undefined;

  constructor(
    readonly sliceMs = 10,
    readonly now: () => number = () => performance.now(),
  ) {}

  /** Set-ups waiting for their turn. */
  get size(): number {
    return this.#tasks.length - this.#head;
  }

  /** Runs `task` in a later turn of the loop, after those queued before it. It must not throw. */
  push(task: () => void): void {
    this.#tasks.push(task);
    this.#turn ??= setImmediate(() => this.#run());
  }

  /** Runs whatever is still queued, now (shutdown: each set-up then fails fast on its own). */
  close(): void {
    clearImmediate(this.#turn);
    this.#turn = undefined;
    while (this.size > 0) this.#next();
  }

  #run(): void {
    this.#turn = undefined;
    const until = this.now() + this.sliceMs;
    do this.#next();
    while (this.size > 0 && this.now() < until);
    if (this.size > 0) this.#turn = setImmediate(() => this.#run());
  }

  #next(): void {
    const task = this.#tasks[this.#head];
    this.#tasks[this.#head++] = undefined;
    if (this.#head === this.#tasks.length) {
      this.#tasks = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#tasks.length) {
      this.#tasks.splice(0, this.#head);
      this.#head = 0;
    }
    task?.();
  }
}
