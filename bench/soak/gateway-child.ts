/**
 * The gateway under soak: the shipped CLI (`bin/switchboard.js start`, so dist/ as `npm ci`
 * builds it) in a child process, read only from outside: /proc for RSS and open files, /metrics
 * for the process's own figures, and the V8 inspector for the heap after a full collection.
 * The inspector listens on loopback on a port the OS picks; nothing in the gateway changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const BIN = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** The few Chrome DevTools Protocol calls the soak needs, over the inspector's WebSocket. */
export class Inspector {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #nextId = 1;
  #onChunk: ((chunk: string) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as {
        id?: number;
        result?: unknown;
        error?: unknown;
        method?: string;
        params?: { chunk?: string };
      };
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') this.#onChunk?.(m.params?.chunk ?? '');
      if (m.id === undefined) return;
      this.#pending.get(m.id)?.(m.error ? new Error(JSON.stringify(m.error)) : m.result);
      this.#pending.delete(m.id);
    });
    ws.on('close', () => {
      for (const resolve of this.#pending.values()) resolve(new Error('inspector closed'));
      this.#pending.clear();
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Inspector(ws);
  }

  async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    const result = await new Promise<unknown>((resolve) => {
      this.#pending.set(id, resolve);
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
    if (result instanceof Error) throw result;
    return result as T;
  }

  /**
   * `process.memoryUsage()` right after a full collection: what is still reachable. The raw heap
   * swings by tens of megabytes between collections, which would drown a slope of a fraction of
   * a megabyte per minute; the heap after a collection does not.
   */
  async memoryAfterGc(): Promise<NodeJS.MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage');
    const { result } = await this.call<{ result: { value: NodeJS.MemoryUsage } }>(
      'Runtime.evaluate',
      { expression: 'process.memoryUsage()', returnByValue: true },
    );
    return result.value;
  }

  /** Writes a heap snapshot of the gateway (open it in Chrome DevTools' Memory tab). */
  async heapSnapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.#onChunk = (chunk) => out.write(chunk);
    try {
      await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.#onChunk = undefined;
      await new Promise((resolve) => out.end(resolve));
    }
  }

  close(): void {
    this.#ws.close();
  }
}

export interface GatewayChild {
  url: string;
  pid: number;
  inspector: Inspector;
  /** Lines the gateway logged (warn and above), for the report and the per-minute count. */
  logLines: () => number;
  lastLogLines: (n: number) => string[];
  exited: () => boolean;
  stop: () => Promise<number | null>;
}

/** Starts `switchboard start --config <file>` with the inspector on; resolves once it listens. */
export async function startGatewayChild(
  configFile: string,
  env: Record<string, string>,
): Promise<GatewayChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', BIN, 'start', '--config', configFile],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => resolve((exitCode = code))),
  );
  const logs: string[] = [];
  let logCount = 0;
  const keep = (line: string) => {
    logCount++;
    logs.push(line);
    if (logs.length > 200) logs.shift();
  };
  let onUrl: (url: string) => void = () => undefined;
  let onInspector: (url: string) => void = () => undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = /^switchboard listening on (http\S+)$/.exec(line);
    if (m?.[1]) onUrl(m[1]);
    else keep(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const m = /^Debugger listening on (ws:\S+)$/.exec(line);
    if (m?.[1]) onInspector(m[1]);
    else if (!/^(Debugger attached|For help, see)/.test(line)) keep(line);
  });
  const started = Promise.all([
    new Promise<string>((r) => (onUrl = r)),
    new Promise<string>((r) => (onInspector = r)),
  ]);
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('the gateway did not start in 60 s')),
      START_TIMEOUT_MS,
    );
    void exited.then((code) =>
      reject(new Error(`the gateway exited with ${code} before listening:\n${logs.join('\n')}`)),
    );
  });
  try {
    const [url, inspectorUrl] = await Promise.race([started, failed]);
    const inspector = await Inspector.connect(inspectorUrl);
    return {
      url,
      pid: child.pid!,
      inspector,
      logLines: () => logCount,
      lastLogLines: (n) => logs.slice(-n),
      exited: () => exitCode !== undefined,
      stop: async () => {
        inspector.close();
        if (exitCode !== undefined) return exitCode;
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const code = await exited;
        clearTimeout(kill);
        return code;
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Resident set size of a process, bytes (all its threads: the log writer's included). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU seconds a process has used (user + system). */
export function cpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Prometheus text → `name{labels}` → value (labels exactly as the exporter wrote them). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}
