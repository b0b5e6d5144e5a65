import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from './config/index.js';
import { SwitchboardError, UsageError, exitCodeOf } from './errors.js';
import { startGateway } from './gateway.js';
import { Emulator } from './emulator/emulator.js';
import { FaultError, parseFault, type ParsedFault } from './emulator/fault-registry.js';
import { demoSetup, startDemoEmulator } from './demo.js';
import { compilePattern } from './router/event-pattern.js';
import { dlqCommand } from './cli-dlq.js';
import { lakeCommand } from './cli-lake.js';

const USAGE = `usage: switchboard <command> [options]

commands:
  start [--config FILE] [--agents 500]
                          run the gateway (embedded mode by default); --agents sizes the demo's
                          simulated floor (1 to 20000; demo mode only)
  emulator [--port 9400] [--agents 500] [--queues 12] [--seed 1] [--speed 1]
           [--warmup-minutes 0] [--client-id ID] [--client-secret S] [--webhook URL] [--webhook-secret S]
           [--fault NAME[:key=value,…]]…
                          run the Genesys Cloud emulator alone (faults: docs/emulator.md)
  rules test --pattern FILE --event FILE
                          match one event (JSON, as it is) against an EventBridge pattern
                          (JSON): prints "match" (exit 0) or "no match" (exit 1); docs/rules.md
  lake query "SQL" [--json] [--path DIR] [--config FILE]
                          run SQL (DuckDB) over the lake: a view bronze (every event); prints a
                          table, or one JSON object a row with --json; docs/lake.md
  dlq list [--target NAME] [--id ID] [--json] [--url URL]
                          dead letters of a running gateway (default URL http://127.0.0.1:$PORT;
                          SWITCHBOARD_TOKEN is sent as the bearer token); docs/router.md
  dlq replay [--target NAME] [--id ID] [--url URL]
                          re-drive them through their target: exit 0 when all were delivered

Exit codes: 0 ok, 1 runtime failure, 2 bad arguments or invalid configuration.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'emulator':
      return emulator(rest);
    case 'rules':
      return rules(rest);
    case 'dlq': {
      const [sub, ...args] = rest;
      const { values } = parse(args, {
        target: { type: 'string' },
        id: { type: 'string' },
        json: { type: 'boolean' },
        url: { type: 'string' },
      });
      if (sub === 'replay' && values.json) throw new UsageError('dlq replay takes no --json');
      return dlqCommand({
        sub,
        ...values,
        env: process.env,
        out: (line) => process.stdout.write(`${line}\n`),
      });
    }
    case 'lake': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(
        args,
        { json: { type: 'boolean' }, path: { type: 'string' }, config: { type: 'string' } },
        true,
      );
      if (positionals.length > 1)
        throw new UsageError('lake query takes the SQL as one argument: quote it');
      return lakeCommand({
        sub,
        sql: positionals[0],
        ...values,
        out: (line) => process.stdout.write(`${line}\n`),
      });
    }
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case undefined:
      throw new UsageError('missing command (try "switchboard --help")');
    default:
      throw new UsageError(`unknown command "${command}" (try "switchboard --help")`);
  }
}

async function start(args: string[]): Promise<number> {
  const { values } = parse(args, { config: { type: 'string' }, agents: { type: 'string' } });
  const agents =
    values.agents === undefined
      ? undefined
      : intOption('agents', values.agents, 1, DEMO_MAX_AGENTS);
  const file = values.config === undefined ? {} : { file: values.config };
  // Demo mode needs to know before validation, to add the secrets it shares with the emulator.
  const probe = loadConfig(file);
  const demo = probe.demo ? demoSetup(probe) : undefined;
  const config = demo ? loadConfig({ ...file, overrides: demo.overrides }) : probe;
  const secrets = demo?.secrets;
  if (agents !== undefined && !secrets)
    throw new UsageError('--agents sizes the demo floor: it applies in demo mode only');
  let emulator: Emulator | undefined;
  const gateway = await startGateway(config, {
    emulatorUrl: () => emulator?.url,
    processGuard: true,
  });
  if (secrets) {
    try {
      emulator = await startDemoEmulator(config, gateway.url, secrets, { agents });
    } catch (err) {
      await gateway.close();
      throw err;
    }
    gateway.logger.info(
      { emulator: emulator.url },
      'demo mode: the built-in Genesys Cloud emulator feeds this gateway',
    );
  }
  // Seed live state from the REST API so offline agents and quiet queues show at once; the
  // gateway serves meanwhile, and a failure is logged (POST /api/v1/reconcile retries).
  gateway.reconcile().then(
    (result) => {
      if (!result) gateway.logger.info('no REST source configured: live state comes from events');
    },
    () => undefined, // the reconciler logs its own failure
  );
  gateway.logger.info(
    {
      url: gateway.url,
      dataDir: config.dataDir,
      log: config.log.backend,
      configFile: config.configFile,
    },
    'gateway ready',
  );
  process.stdout.write(`switchboard listening on ${gateway.url}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        gateway.logger.warn({ signal }, 'second signal: exiting without draining');
        resolve(1);
        return;
      }
      stopping = true;
      gateway.logger.info({ signal }, 'shutting down: draining in-flight requests and appends');
      (emulator ? emulator.stop() : Promise.resolve())
        .then(() => gateway.close())
        .then(
          () => {
            gateway.logger.info('shutdown complete');
            resolve(0);
          },
          (err: unknown) => {
            gateway.logger.error({ err }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

async function emulator(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    agents: { type: 'string' },
    queues: { type: 'string' },
    seed: { type: 'string' },
    speed: { type: 'string' },
    'warmup-minutes': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    webhook: { type: 'string' },
    'webhook-secret': { type: 'string' },
    fault: { type: 'string', multiple: true },
  });
  const int = (
    name: string,
    raw: string | undefined,
    fallback: number,
    min: number,
    max: number,
  ) => (raw === undefined ? fallback : intOption(name, raw, min, max));
  if (values.webhook !== undefined) {
    if (!URL.canParse(values.webhook))
      throw new UsageError(`--webhook must be a URL, got "${values.webhook}"`);
    if (values['webhook-secret'] === undefined)
      throw new UsageError('--webhook needs --webhook-secret');
  }
  // Through the same registry entries as POST /emulator/faults: refused before anything starts.
  const faults = ([] as string[]).concat(values.fault ?? []).map(faultFromSpec);
  const emu = new Emulator({
    host: values.host ?? '127.0.0.1',
    port: int('port', values.port ?? process.env.EMULATOR_PORT, 9400, 0, 65535),
    agents: int('agents', values.agents, 500, 1, DEMO_MAX_AGENTS),
    queues: int('queues', values.queues, 12, 1, 200),
    seed: int('seed', values.seed, 1, 0, 2 ** 31),
    speed: int('speed', values.speed, 1, 1, 100),
    warmupMs: int('warmup-minutes', values['warmup-minutes'], 0, 0, 24 * 60) * 60_000,
    clientId: values['client-id'] ?? 'demo-client',
    clientSecret: values['client-secret'] ?? 'demo-secret',
    ...(values.webhook !== undefined
      ? { webhook: { url: values.webhook, secret: values['webhook-secret'] as string } }
      : {}),
  });
  const url = await emu.start();
  try {
    // What depends on the org (a user id to delete) can only be refused now.
    for (const f of faults) emu.faults.run(f);
  } catch (err) {
    await emu.stop();
    throw new UsageError(`--fault: ${(err as Error).message}`);
  }
  process.stdout.write(`emulator listening on ${url}\n`);
  return new Promise<number>((resolve) => {
    const stop = () => {
      emu.stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** The most agents a simulated floor takes (`start --agents`, `emulator --agents`). */
const DEMO_MAX_AGENTS = 20_000;

/** An integer option in [min, max], else a usage error (exit 2) naming the range. */
function intOption(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * `--fault NAME[:key=value,…]`, e.g. `--fault duplicates:ratio=0.1,seconds=3600`: numbers as
 * numbers, the rest as strings, as the same fields would arrive in JSON, then the fault's schema.
 */
function faultFromSpec(spec: string): ParsedFault {
  const [name = '', params = ''] = spec.split(/:(.*)/s);
  const values: Record<string, unknown> = {};
  for (const pair of params.split(',').filter((p) => p !== '')) {
    const [key, value] = pair.split('=');
    if (!key || value === undefined)
      throw new UsageError(`--fault ${spec}: expected key=value, got "${pair}"`);
    values[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  try {
    return parseFault(name, values);
  } catch (err) {
    if (err instanceof FaultError) throw new UsageError(`--fault: ${err.message}`);
    throw err;
  }
}

/**
 * `rules test --pattern FILE --event FILE`: the event is matched as it is, like EventBridge's
 * TestEventPattern (no envelope is added). A bad pattern exits 2 with its JSON path
 * (SB_PATTERN_INVALID); an unreadable or non-JSON file exits 2 too (SB_USAGE).
 */
function rules(args: string[]): number {
  const [sub, ...rest] = args;
  if (sub !== 'test')
    throw new UsageError(
      sub === undefined
        ? 'missing subcommand: rules test --pattern FILE --event FILE'
        : `unknown subcommand "rules ${sub}" (try "switchboard rules test --pattern FILE --event FILE")`,
    );
  const { values } = parse(rest, { pattern: { type: 'string' }, event: { type: 'string' } });
  if (values.pattern === undefined || values.event === undefined)
    throw new UsageError('rules test needs --pattern FILE and --event FILE');
  const readJson = (option: string, file: string): unknown => {
    let text: string;
    try {
      if (statSync(file).size > RULES_FILE_LIMIT)
        throw new UsageError(`--${option} ${file}: larger than ${RULES_FILE_LIMIT} bytes`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--${option} ${file}: cannot read: ${e.code ?? e.message}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new UsageError(`--${option} ${file}: not JSON: ${(err as Error).message}`);
    }
  };
  const pattern = readJson('pattern', values.pattern);
  const event = readJson('event', values.event);
  const compiled = compilePattern(pattern); // PatternError: SB_PATTERN_INVALID, exit 2
  if (typeof event !== 'object' || event === null || Array.isArray(event))
    throw new UsageError(`--event ${values.event}: an event must be a JSON object`);
  const matched = compiled.matches(event);
  process.stdout.write(matched ? 'match\n' : 'no match\n');
  return matched ? 0 : 1;
}

/** Pattern and event files for `rules test` are read whole; bigger ones are refused. */
const RULES_FILE_LIMIT = 16 * 1024 * 1024;

function parse<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // Timers kept alive by libraries must not hold a finished command open.
      setImmediate(() => process.exit(code));
    },
    (err: unknown) => {
      // The one place an error becomes an exit code: the registry's (src/errors.ts), else 1.
      const e = err as NodeJS.ErrnoException;
      const reason =
        err instanceof SwitchboardError
          ? err.message
          : `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
      process.stderr.write(`switchboard: ${reason}\n`);
      process.exit(exitCodeOf(err));
    },
  );
}
