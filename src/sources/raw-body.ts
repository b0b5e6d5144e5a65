import type { IncomingMessage } from 'node:http';
import { SwitchboardError } from '../errors.js';

export interface RawBodyLimits {
  limitBytes: number;
  timeoutMs: number;
}

/**
 * Reads the request body as raw bytes (signatures are over bytes, not objects). Rejects early on
 * a declared length over the limit, stops reading the moment the limit is passed, and gives up
 * when the whole body has not arrived within the timeout (a trickling client holds nothing).
 */
export function readRawBody(req: IncomingMessage, limits: RawBodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.limitBytes) {
    return Promise.reject(tooLarge(limits.limitBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (err: SwitchboardError | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        // Stop buffering what is left; the reply closes the connection.
        req.pause();
        reject(err);
      } else {
        resolve(body!);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.limitBytes) return finish(tooLarge(limits.limitBytes));
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    const onError = (err: Error) =>
      finish(new SwitchboardError('SB_BAD_REQUEST', `request body stream failed: ${err.message}`));
    const onAborted = () =>
      finish(new SwitchboardError('SB_BAD_REQUEST', 'client aborted the request'));
    const timer = setTimeout(
      () =>
        finish(
          new SwitchboardError(
            'SB_BODY_TIMEOUT',
            `request body did not arrive within ${limits.timeoutMs} ms`,
          ),
        ),
      limits.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(limit: number): SwitchboardError {
  return new SwitchboardError('SB_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
}
