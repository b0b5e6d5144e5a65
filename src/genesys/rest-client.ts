/**
 * A small Genesys Cloud REST client: client-credentials OAuth with a shared, refreshed token,
 * JSON requests with retries (429 `Retry-After`, 5xx and transport errors with backoff), and
 * paged listings. The Notification API stream client (next issue) is to build on it (`request`,
 * `accessToken`).
 * Policy in docs/reconcile.md; platform facts in FACTS §3 (paging) and §4 (auth, regions, 429).
 */

import type { ErrorCode } from '../errors.js';
import { fullJitterDelay } from '../protocol/backoff.js';
import { retryAfterMs } from '../util/retry-after.js';
import { isPlainObject } from '../util/objects.js';

/** Region keys and hosts of the official SDK's `PureCloudRegionHosts` (FACTS §4.1). */
export const GENESYS_REGIONS = {
  us_east_1: 'mypurecloud.com',
  eu_west_1: 'mypurecloud.ie',
  ap_southeast_2: 'mypurecloud.com.au',
  ap_northeast_1: 'mypurecloud.jp',
  eu_central_1: 'mypurecloud.de',
  us_west_2: 'usw2.pure.cloud',
  ca_central_1: 'cac1.pure.cloud',
  ap_northeast_2: 'apne2.pure.cloud',
  eu_west_2: 'euw2.pure.cloud',
  ap_south_1: 'aps1.pure.cloud',
  us_east_2: 'use2.us-gov-pure.cloud',
  sa_east_1: 'sae1.pure.cloud',
  me_central_1: 'mec1.pure.cloud',
  ap_northeast_3: 'apne3.pure.cloud',
  eu_central_2: 'euc2.pure.cloud',
  mx_central_1: 'mxc1.pure.cloud',
  ap_southeast_1: 'apse1.pure.cloud',
} as const;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * The region's host (`mypurecloud.ie`) from a region key (`eu_west_1` or `eu-west-1`), a host,
 * or a host written as a URL or with `api.`/`login.` in front (as the SDK's `setEnvironment`
 * accepts). A host not in the table is accepted when it is a valid hostname (new regions).
 */
export function regionHost(region: string): string {
  const raw = region.trim().toLowerCase();
  const key = raw.replace(/-/g, '_');
  if (Object.hasOwn(GENESYS_REGIONS, key))
    return GENESYS_REGIONS[key as keyof typeof GENESYS_REGIONS];
  const host = raw
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/^(?:api|login)\./, '');
  if (HOSTNAME.test(host)) return host;
  throw new Error(
    `unknown Genesys Cloud region "${region}"; use a region host such as ` +
      `${Object.values(GENESYS_REGIONS).slice(0, 4).join(', ')} or a key such as us_east_1`,
  );
}

/** `https://api.<host>` for a region (see `regionHost`). */
export function apiBaseForRegion(region: string): string {
  return `https://api.${regionHost(region)}`;
}

/** `https://login.<host>` for a region: where `/oauth/token` lives. */
export function loginBaseForRegion(region: string): string {
  return `https://login.${regionHost(region)}`;
}

/** The login base for an API base: `api.X` → `login.X`; anything else (an emulator) itself. */
export function loginBaseFor(apiBase: string): string {
  const url = new URL(apiBase);
  if (url.hostname.startsWith('api.')) url.hostname = `login.${url.hostname.slice(4)}`;
  return stripSlash(url.href);
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export type RetryReason = 'rate-limited' | 'server-error' | 'network' | 'timeout' | 'unauthorized';

export interface RetryInfo {
  method: string;
  /** Path and query of the request (`/oauth/token` for the token endpoint). */
  path: string;
  /** 1 for the first retry. */
  attempt: number;
  reason: RetryReason;
  /** HTTP status that caused it (absent for transport errors). */
  status?: number;
  /** How long the client waits before the retry. */
  delayMs: number;
}

export interface GenesysRestClientOptions {
  /** `https://api.mypurecloud.com`, or the emulator's URL. */
  apiBase: string;
  /** Default: `login.X` for `api.X`, otherwise the same as `apiBase`. */
  loginBase?: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  /** Retries per call after the first attempt (429, 5xx, transport errors). Default 5. */
  maxRetries?: number;
  /** Longest single wait, for `Retry-After` and backoff alike. Default 60 000. */
  maxRetryDelayMs?: number;
  /** First backoff ceiling; it doubles per retry, each wait uniform below it. Default 500. */
  baseRetryDelayMs?: number;
  /** Per attempt, including reading the body. Default 15 000. */
  timeoutMs?: number;
  /** Default page size for `pages()`. Default 100. */
  pageSize?: number;
  /**
   * Requests a minute this client sends at most, every caller together (the stream's channel
   * calls, every reconcile run), so repairs never exceed the org's API rate limit. Default 240:
   * 80 % of the 300 a client-credentials token may make (FACTS §4.3), leaving the rest to other
   * tools. Up to ten seconds' worth may go at once. 0: no budget.
   */
  requestsPerMinute?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); jitter source (tests). Default Math.random. */
  random?: () => number;
  onRetry?: (info: RetryInfo) => void;
}

export interface RestClientStats {
  /** HTTP requests sent (API and token endpoint, every attempt). */
  requests: number;
  /** Waits before a repeated attempt (includes the one re-try after a 401). */
  retries: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Access tokens obtained (the first one included). */
  tokenRefreshes: number;
  /** Calls that ended in an error thrown to the caller. */
  failures: number;
  /** Time requests waited for the request budget (ms, summed). */
  budgetWaitMs: number;
  /**
   * Time requests waited because of 429s (ms, summed): the throttled request's own wait, and
   * other requests held while a `Retry-After` was in force.
   */
  rateLimitWaitMs: number;
}

/**
 * A failed call. `status` is the HTTP status of the last answer, or 0 when no answer came
 * (`code` `network.error` or `timeout`); `code` is Genesys's error code (`not.found`,
 * `bad.credentials`, …) or the OAuth `error` (`invalid_client`).
 */
export class GenesysApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly contextId: string | undefined;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  /**
   * Switchboard's own stable code where the failure has one (docs/errors.md, "Genesys"), so an
   * operator matches on it rather than on Genesys's wording.
   */
  readonly switchboardCode: ErrorCode | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    method: string;
    path: string;
    contextId?: string | undefined;
    attempts: number;
    cause?: unknown;
    switchboardCode?: ErrorCode;
  }) {
    const what = init.status === 0 ? init.code : `${init.status} ${init.code}`;
    const prefix = init.switchboardCode ? `${init.switchboardCode}: ` : '';
    super(`${prefix}Genesys ${init.method} ${init.path} failed: ${what}: ${init.message}`, {
      cause: init.cause,
    });
    this.switchboardCode = init.switchboardCode;
    this.name = 'GenesysApiError';
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.contextId = init.contextId;
    this.attempts = init.attempts;
  }
}

export interface RequestOptions {
  query?: Query;
  /** JSON body. */
  body?: unknown;
  /**
   * Whether 5xx answers and transport errors may be retried. Default: true for GET, PUT, DELETE,
   * false otherwise (a POST that reached the server may have taken effect). 429 is always
   * retried: a throttled request was not processed.
   */
  idempotent?: boolean;
}

interface Token {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

interface Attempt {
  method: string;
  url: URL;
  /** For errors and hooks: path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  idempotent: boolean;
  /** Adds `Authorization: Bearer` and retries once on 401 with a new token. */
  bearer: boolean;
}

const TOKEN_REFRESH_MARGIN_MS = 60_000;
const TOKEN_REFRESH_FRACTION = 0.1;
/** When the token answer has no usable `expires_in` (the shortest lifetime a client can set). */
const DEFAULT_TOKEN_TTL_SEC = 300;
const MAX_PAGES = 100_000;

export class GenesysRestClient {
  readonly apiBase: string;
  readonly loginBase: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #fetch: typeof fetch;
  readonly #maxRetries: number;
  readonly #maxRetryDelayMs: number;
  readonly #baseRetryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #pageSize: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onRetry: ((info: RetryInfo) => void) | undefined;
  readonly #stats: RestClientStats = {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    tokenRefreshes: 0,
    failures: 0,
    budgetWaitMs: 0,
    rateLimitWaitMs: 0,
  };
  /**
   * Until when a 429's `Retry-After` holds every request to that host (on `now`): Genesys
   * limits per OAuth client (FACTS §4.3), so the other requests in flight would be throttled
   * too; the token endpoint has its own limit.
   */
  readonly #retryAfterUntil = { api: 0, login: 0 };
  readonly #perMinute: number;
  /** The request budget: a token bucket, served in order. */
  #budget = 0;
  #budgetAt: number | undefined;
  #budgetQueue: Promise<void> = Promise.resolve();
  #token: Token | undefined;
  #tokenRequest: Promise<Token> | undefined;

  constructor(options: GenesysRestClientOptions) {
    this.apiBase = stripSlash(new URL(options.apiBase).href);
    this.loginBase = stripSlash(new URL(options.loginBase ?? loginBaseFor(this.apiBase)).href);
    if (options.clientId === '' || options.clientSecret === '') {
      throw new Error('Genesys REST client: clientId and clientSecret are required');
    }
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#maxRetries = nonNegative(options.maxRetries, 5, 'maxRetries');
    this.#maxRetryDelayMs = nonNegative(options.maxRetryDelayMs, 60_000, 'maxRetryDelayMs');
    this.#baseRetryDelayMs = nonNegative(options.baseRetryDelayMs, 500, 'baseRetryDelayMs');
    this.#timeoutMs = positive(options.timeoutMs, 15_000, 'timeoutMs');
    this.#pageSize = positive(options.pageSize, 100, 'pageSize');
    this.#perMinute = nonNegative(options.requestsPerMinute, 240, 'requestsPerMinute');
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
  }

  /** A snapshot of the counters (for metrics). */
  get stats(): Readonly<RestClientStats> {
    return { ...this.#stats };
  }

  /** GET JSON. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  /** POST JSON (see `RequestOptions.idempotent` for when it is retried). */
  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  /** Any method; resolves with the parsed JSON body (undefined for an empty body). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const upper = method.toUpperCase();
    const url = this.#apiUrl(path, options.query);
    const hasBody = options.body !== undefined;
    return (await this.#exchange({
      method: upper,
      url,
      path: url.pathname + url.search,
      headers: {
        accept: 'application/json',
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
      },
      ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
      idempotent: options.idempotent ?? ['GET', 'HEAD', 'PUT', 'DELETE'].includes(upper),
      bearer: true,
    })) as T;
  }

  /**
   * Every entity of a paged listing, in order. Follows `nextUri` when the page has one
   * (relative or absolute; only its path and query are used, so the token never leaves
   * `apiBase`), otherwise `pageNumber` up to `pageCount`; stops at a page without either
   * (queue members have no `pageCount`) or at an empty page. Query parameters the `nextUri`
   * leaves out (`expand`, filters) are carried over to every page.
   */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<T, void, undefined> {
    const carried: Record<string, QueryValue> = { pageSize: this.#pageSize, ...query };
    const firstPage = carried.pageNumber ?? 1;
    delete carried.pageNumber;
    let url = this.#apiUrl(path, { ...carried, pageNumber: firstPage });
    const seen = new Set<string>();
    for (let n = 0; n < MAX_PAGES; n++) {
      seen.add(url.href);
      const page = await this.#exchange({
        method: 'GET',
        url,
        path: url.pathname + url.search,
        headers: { accept: 'application/json' },
        idempotent: true,
        bearer: true,
      });
      const record = isPlainObject(page) ? page : {};
      const entities = record.entities;
      if (!Array.isArray(entities)) {
        this.#stats.failures++;
        throw new GenesysApiError({
          status: 200,
          code: 'invalid.listing',
          message: 'the answer has no entities array',
          method: 'GET',
          path: url.pathname + url.search,
          attempts: 1,
        });
      }
      for (const entity of entities) yield entity as T;
      if (entities.length === 0) return;
      let next: URL | undefined;
      if (typeof record.nextUri === 'string' && record.nextUri !== '') {
        next = this.#apiUrl(record.nextUri);
        for (const [key, value] of Object.entries(carried)) {
          if (!next.searchParams.has(key)) appendQuery(next, key, value);
        }
      } else if (
        typeof record.pageCount === 'number' &&
        typeof record.pageNumber === 'number' &&
        record.pageNumber < record.pageCount
      ) {
        next = this.#apiUrl(path, { ...carried, pageNumber: record.pageNumber + 1 });
      }
      if (next === undefined) return;
      if (seen.has(next.href)) {
        this.#stats.failures++;
        throw new GenesysApiError({
          status: 200,
          code: 'paging.loop',
          message: `next page ${next.pathname + next.search} was already fetched`,
          method: 'GET',
          path: url.pathname + url.search,
          attempts: 1,
        });
      }
      url = next;
    }
  }

  /**
   * A valid access token: the cached one until less than min(60 s, 10 % of its lifetime) is
   * left, else a new one. Concurrent callers share one token request.
   */
  async accessToken(): Promise<string> {
    const cached = this.#token;
    if (cached && this.#now() < cached.refreshAt) return cached.value;
    this.#tokenRequest ??= this.#requestToken().finally(() => {
      this.#tokenRequest = undefined;
    });
    return (await this.#tokenRequest).value;
  }

  /** Forgets the cached token (when it is `token`, or always without an argument). */
  invalidateToken(token?: string): void {
    if (token === undefined || this.#token?.value === token) this.#token = undefined;
  }

  async #requestToken(): Promise<Token> {
    const url = new URL(`${this.loginBase}/oauth/token`);
    const basic = Buffer.from(`${this.#clientId}:${this.#clientSecret}`).toString('base64');
    const startedAt = this.#now();
    const answer = await this.#exchange({
      method: 'POST',
      url,
      path: url.pathname,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=client_credentials',
      // Asking again only mints another token.
      idempotent: true,
      bearer: false,
    });
    const record = isPlainObject(answer) ? answer : {};
    if (typeof record.access_token !== 'string' || record.access_token === '') {
      this.#stats.failures++;
      throw new GenesysApiError({
        status: 200,
        code: 'invalid.token.response',
        message: 'the token answer has no access_token',
        method: 'POST',
        path: url.pathname,
        attempts: 1,
      });
    }
    const ttlSec =
      typeof record.expires_in === 'number' && record.expires_in > 0
        ? record.expires_in
        : DEFAULT_TOKEN_TTL_SEC;
    const lifetimeMs = ttlSec * 1000;
    const expiresAt = startedAt + lifetimeMs;
    const margin = Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs * TOKEN_REFRESH_FRACTION);
    const token = { value: record.access_token, expiresAt, refreshAt: expiresAt - margin };
    this.#token = token;
    this.#stats.tokenRefreshes++;
    return token;
  }

  /** One call with its retries; resolves with the parsed JSON of a 2xx answer. */
  async #exchange(a: Attempt): Promise<unknown> {
    let retries = 0;
    let reauthorized = false;
    const host = a.bearer ? 'api' : 'login';
    /** The `Retry-After` this call has already waited out itself. */
    let waited = 0;
    for (let attempts = 1; ; attempts++) {
      // A failed token request was counted (and retried) where it failed.
      const token = a.bearer ? await this.accessToken() : undefined;
      let delayMs: number;
      let reason: RetryReason;
      let status: number | undefined;
      await this.#afterRetryAfter(host, waited);
      const signal = AbortSignal.timeout(this.#timeoutMs);
      try {
        await this.#withinBudget();
        this.#stats.requests++;
        const res = await this.#fetch(a.url, {
          method: a.method,
          headers:
            token === undefined ? a.headers : { ...a.headers, authorization: `Bearer ${token}` },
          ...(a.body !== undefined ? { body: a.body } : {}),
          signal,
        });
        const text = await res.text();
        if (res.ok) return parseJson(text, res.status, a, attempts, () => this.#stats.failures++);
        status = res.status;
        if (res.status === 401 && a.bearer && !reauthorized) {
          // Revoked or expired early: one more try with a new token.
          reauthorized = true;
          if (token !== undefined) this.invalidateToken(token);
          this.#retry(a, { attempt: attempts, reason: 'unauthorized', status, delayMs: 0 });
          continue;
        }
        if (res.status === 429) {
          this.#stats.rateLimited++;
          reason = 'rate-limited';
          const now = this.#now();
          const after = retryAfterMs(res.headers.get('retry-after') ?? undefined, now);
          delayMs = Math.min(this.#maxRetryDelayMs, after ?? this.#backoff(retries));
          if (after !== undefined) {
            // Every request to this host waits it out, not only this one.
            waited = now + delayMs;
            this.#retryAfterUntil[host] = Math.max(this.#retryAfterUntil[host], waited);
          }
        } else if (res.status >= 500 && a.idempotent) {
          reason = 'server-error';
          delayMs = this.#backoff(retries);
        } else {
          throw this.#httpError(a, res.status, text, attempts);
        }
        if (retries >= this.#maxRetries) throw this.#httpError(a, res.status, text, attempts);
      } catch (err) {
        if (err instanceof GenesysApiError) throw err;
        const timedOut = signal.aborted || (err instanceof Error && err.name === 'TimeoutError');
        reason = timedOut ? 'timeout' : 'network';
        if (!a.idempotent || retries >= this.#maxRetries) {
          this.#stats.failures++;
          throw new GenesysApiError({
            status: 0,
            code: timedOut ? 'timeout' : 'network.error',
            message: timedOut
              ? `no answer within ${this.#timeoutMs} ms`
              : err instanceof Error
                ? causeMessage(err)
                : String(err),
            method: a.method,
            path: a.path,
            attempts,
            cause: err,
          });
        }
        delayMs = this.#backoff(retries);
      }
      retries++;
      this.#retry(a, {
        attempt: retries,
        reason,
        delayMs,
        ...(status !== undefined ? { status } : {}),
      });
      if (reason === 'rate-limited') this.#stats.rateLimitWaitMs += delayMs;
      await this.#sleep(delayMs);
    }
  }

  /**
   * Waits while a `Retry-After` another request got from this host is in force (`waited`: the
   * end of the one this call already slept through itself).
   */
  async #afterRetryAfter(host: 'api' | 'login', waited: number): Promise<void> {
    for (;;) {
      const until = this.#retryAfterUntil[host];
      const wait = until - this.#now();
      if (until <= waited || wait <= 0) return;
      this.#stats.rateLimitWaitMs += wait;
      await this.#sleep(wait);
      // Once per 429: an injected clock that does not move must not hold the call forever.
      waited = until;
    }
  }

  /** Waits for the request budget (callers are served in the order they asked). */
  #withinBudget(): Promise<void> {
    if (this.#perMinute <= 0) return Promise.resolve();
    const turn = this.#budgetQueue.then(() => this.#takeBudget());
    this.#budgetQueue = turn.catch(() => {});
    return turn;
  }

  async #takeBudget(): Promise<void> {
    const rate = this.#perMinute / 60_000;
    const burst = Math.max(1, Math.ceil(this.#perMinute / 6));
    const now = this.#now();
    const since = this.#budgetAt ?? now;
    this.#budget =
      this.#budgetAt === undefined
        ? burst
        : Math.min(burst, this.#budget + Math.max(0, now - since) * rate);
    let at = Math.max(since, now);
    if (this.#budget < 1) {
      const wait = Math.ceil((1 - this.#budget) / rate);
      this.#stats.budgetWaitMs += wait;
      await this.#sleep(wait);
      // Credited for the wait itself, so an injected clock that does not move still advances.
      this.#budget += wait * rate;
      at += wait;
    }
    this.#budgetAt = at;
    this.#budget -= 1;
  }

  #retry(a: Attempt, info: Omit<RetryInfo, 'method' | 'path'>): void {
    this.#stats.retries++;
    this.#onRetry?.({ method: a.method, path: a.path, ...info });
  }

  #httpError(a: Attempt, status: number, text: string, attempts: number): GenesysApiError {
    this.#stats.failures++;
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) body = parsed;
    } catch {
      // Not JSON: the status says enough.
    }
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const code = str(body.code) ?? str(body.error) ?? `http.${status}`;
    let message =
      str(body.message) ??
      str(body.error_description) ??
      str(body.description) ??
      (text.slice(0, 200) || 'no details');
    // The token endpoint refusing the client (OAuth `invalid_client`, `unauthorized_client`,
    // ... as 400 or 401) is a setup problem no retry fixes: say which client and where to look,
    // never the secret.
    const refused = a.bearer === false && (status === 400 || status === 401);
    // Whatever an answer echoes, the secret is never repeated in an error.
    if (this.#clientSecret.length >= 4) message = message.replaceAll(this.#clientSecret, '***');
    if (refused)
      message =
        `${message} (client id ${JSON.stringify(this.#clientId.slice(0, 80))} at ${this.loginBase}; ` +
        'check GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET and GENESYS_REGION or GENESYS_API_BASE)';
    return new GenesysApiError({
      status,
      code,
      message,
      method: a.method,
      path: a.path,
      contextId: str(body.contextId),
      attempts,
      ...(refused ? { switchboardCode: 'SB_GENESYS_CREDENTIALS_REJECTED' as const } : {}),
    });
  }

  /** The project's one backoff (full jitter): uniform below base·2^n, capped. */
  #backoff(retries: number): number {
    return fullJitterDelay(retries, {
      initialMs: this.#baseRetryDelayMs,
      maxMs: this.#maxRetryDelayMs,
      random: this.#random,
    });
  }

  /** `apiBase` + the path and query of `path` (a path or an absolute URL) + `query`. */
  #apiUrl(path: string, query?: Query): URL {
    let rest = path;
    if (/^https?:\/\//i.test(path)) {
      const absolute = new URL(path);
      rest = absolute.pathname + absolute.search;
    } else if (!path.startsWith('/')) {
      rest = `/${path}`;
    }
    const url = new URL(this.apiBase + rest);
    for (const [key, value] of Object.entries(query ?? {})) appendQuery(url, key, value);
    return url;
  }
}

function appendQuery(url: URL, key: string, value: QueryValue): void {
  if (value === undefined) return;
  // Lists go as repeated keys, as the official SDK sends `expand` ("multi").
  if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
  else url.searchParams.append(key, String(value));
}

function parseJson(
  text: string,
  status: number,
  a: Attempt,
  attempts: number,
  countFailure: () => void,
): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    countFailure();
    throw new GenesysApiError({
      status,
      code: 'invalid.json',
      message: 'the answer is not JSON',
      method: a.method,
      path: a.path,
      attempts,
      cause: err,
    });
  }
}

function causeMessage(err: Error): string {
  const cause = err.cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

function nonNegative(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`Genesys REST client: ${name} must be >= 0`);
  return v;
}

function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`Genesys REST client: ${name} must be > 0`);
  return v;
}
