import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A broken invariant: the process state can no longer be trusted. Thrown anywhere, it stops the
 * process loudly, even from inside a request handler.
 */
export class InvariantError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

/** Where an error escaped: the handler's label and who to tell. */
interface HandlerScope {
  handler: string;
  report: (handler: string, err: unknown) => void;
}

const scope = new AsyncLocalStorage<HandlerScope>();

/**
 * Runs `fn` as a request or socket handler: anything it throws synchronously, and anything that
 * escapes from timers, callbacks or promises it starts (the async context follows them), is
 * reported and does not stop the process. `report` must not throw.
 */
export function runHandler<T>(
  handler: string,
  report: HandlerScope['report'],
  fn: () => T,
): T | undefined {
  return scope.run({ handler, report }, () => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InvariantError) throw err;
      report(handler, err);
      return undefined;
    }
  });
}

/** `runHandler` as a listener wrapper, for `socket.on(event, guarded(...))`. */
export function guarded<A extends unknown[]>(
  handler: string,
  report: HandlerScope['report'],
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => void runHandler(handler, report, () => fn(...args));
}

let installs = 0;
let fatal: ((err: unknown, origin: string) => void) | undefined;

function onUncaught(err: unknown, origin: string): void {
  const inHandler = scope.getStore();
  if (inHandler && !(err instanceof InvariantError)) {
    try {
      inHandler.report(inHandler.handler, err);
      return;
    } catch {
      // A reporter that throws is itself a bug: fall through and stop.
    }
  }
  (fatal ?? defaultFatal)(err, origin);
}

function onRejection(reason: unknown): void {
  onUncaught(reason, 'unhandledRejection');
}

function defaultFatal(err: unknown, origin: string): void {
  process.stderr.write(
    `switchboard: fatal ${origin}: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
}

/**
 * Installs the process-level guard: an uncaught error or unhandled rejection from inside a
 * handler (see `runHandler`) is reported and the process goes on; any other one (a timer of the
 * gateway's own, a broken invariant) calls `onFatal`, which logs and exits. Counted: several
 * gateways in one process share one pair of listeners. Returns the uninstaller.
 */
export function installProcessGuard(onFatal: (err: unknown, origin: string) => void): () => void {
  if (installs++ === 0) {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onRejection);
  }
  fatal = onFatal;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--installs === 0) {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onRejection);
      fatal = undefined;
    }
  };
}
