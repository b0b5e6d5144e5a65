import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  url: string;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

// Every process a test started, killed when the test process exits, so that a test that fails
// before its own cleanup never leaves a gateway running (and writing, and holding its port).
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts `switchboard <args>` from source and resolves once it logs its listening line. */
export async function startCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
  ready = /^switchboard listening on (https?:\/\/\S+)$/,
): Promise<RunningCli> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${timeoutMs} ms: ${stderr.join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout.push(line);
      const m = ready.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening: ${stderr.join('\n')}`));
    });
  });
  return { child, url, stdout, stderr, exited };
}

/** SIGTERM (a graceful stop), SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopCli(cli: RunningCli | undefined, graceMs = 10_000): Promise<void> {
  if (!cli) return;
  cli.child.kill('SIGTERM');
  const killer = setTimeout(() => cli.child.kill('SIGKILL'), graceMs);
  await cli.exited;
  clearTimeout(killer);
}

/** Runs `switchboard <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
