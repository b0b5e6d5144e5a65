import { request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The `error.code` of an error body, if it is one. */
  code: string | undefined;
}

/**
 * One HTTP request with what `fetch` will not set: the local address it comes from (any of
 * 127.0.0.0/8 is this machine, so a test can be a loopback client that is not the trusted
 * proxy at 127.0.0.1) and any `Host` header (a rebound DNS name).
 */
export function httpRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    localAddress?: string;
    body?: string;
    /** On a 200, resolve once the head has arrived and drop the connection (streams: SSE). */
    headOnly?: boolean;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        agent: false,
      },
      (res) => {
        if (options.headOnly && res.statusCode === 200) {
          const code = undefined;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', code });
          return void req.destroy();
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, code });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
