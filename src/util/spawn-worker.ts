import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker from a module URL. Built code (`.js`) starts directly; source (`.ts`, under
 * tsx in tests and benchmarks) starts through a bootstrap that registers tsx inside the worker,
 * because Node 20 does not carry module hooks into worker threads.
 */
export function spawnWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
