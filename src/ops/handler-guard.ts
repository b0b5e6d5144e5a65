/**
 * Keeping one bad request from stopping the gateway, without losing real failures.
 *
 * - Request and socket listeners run through `runHandler` / `guarded`: what they throw is
 *   reported with the handler's name (logged, counted) and the process goes on. Fastify already
 *   does this for route handlers; these cover the listeners it does not own (upgrades, sockets).
 * - The process guard catches what escapes anyway (an uncaught exception or an unhandled
 *   rejection from a callback some handler started). It reports it and goes on, unless it is an
 *   `InvariantError` or such errors come in a storm, which mean the process state can no longer
 *   be trusted: then it stops the process loudly, for the supervisor to restart.
 *
 * Why not AsyncLocalStorage to tell handler errors from others: on Node 20 its async hooks,
 * once enabled by a single live connection, cost about 8 % of ingest throughput (measured with
 * the ingest load of `npm run bench`); the gateway's own loops report their failures through
 * readiness instead (the log's writability, the projector's state).
 */
export class InvariantError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvariantError';
  }
}

export type HandlerErrorReporter = (handler: string, err: unknown) => void;

/** Runs `fn` as a request or socket handler: a throw is reported, never propagated. */
export function runHandler<T>(
  handler: string,
  report: HandlerErrorReporter,
  fn: () => T,
): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvariantError) throw err;
    report(handler, err);
    return undefined;
  }
}

/** `runHandler` as a listener wrapper, for `socket.on(event, guarded(...))`. */
export function guarded<A extends unknown[]>(
  handler: string,
  report: HandlerErrorReporter,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => void runHandler(handler, report, () => fn(...args));
}

export interface ProcessGuardOptions {
  /** An escaped error the process survives (logged and counted by the caller). */
  onContained: (err: unknown, origin: string) => void;
  /** An error the process must not survive; expected to log and exit. */
  onFatal: (err: unknown, origin: string) => void;
  /** More escaped errors than this within `stormWindowMs` are fatal. Default 20. */
  stormLimit?: number;
  stormWindowMs?: number;
  now?: () => number;
}

let installed: { options: ProcessGuardOptions; recent: number[] } | undefined;

function onEscaped(err: unknown, origin: string): void {
  const guard = installed;
  if (!guard) return;
  const { options, recent } = guard;
  if (err instanceof InvariantError) return options.onFatal(err, origin);
  const now = (options.now ?? Date.now)();
  const windowMs = options.stormWindowMs ?? 60_000;
  while (recent.length > 0 && recent[0]! <= now - windowMs) recent.shift();
  recent.push(now);
  if (recent.length > (options.stormLimit ?? 20)) {
    return options.onFatal(
      err,
      `${origin} (more than ${options.stormLimit ?? 20} in ${windowMs} ms)`,
    );
  }
  try {
    options.onContained(err, origin);
  } catch (reportFailure) {
    options.onFatal(reportFailure, 'the contained-error reporter itself');
  }
}

const onUncaught = (err: unknown) => onEscaped(err, 'uncaughtException');
const onRejection = (reason: unknown) => onEscaped(reason, 'unhandledRejection');

/**
 * Installs the process guard (one per process: the `start` command's gateway). Returns the
 * uninstaller.
 */
export function installProcessGuard(options: ProcessGuardOptions): () => void {
  if (installed) throw new InvariantError('the process guard is already installed');
  installed = { options, recent: [] };
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onRejection);
  return () => {
    if (installed?.options !== options) return;
    installed = undefined;
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onRejection);
  };
}
