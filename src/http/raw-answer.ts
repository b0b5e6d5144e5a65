import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SwitchboardError } from '../errors.js';

/**
 * Answers on a raw socket (a refused WebSocket handshake, HTTP that Node's parser rejected) in
 * the same `{"error":{…}}` format as every route, then closes the connection.
 */
export function endWithError(
  socket: Duplex,
  error: SwitchboardError,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(error.toBody());
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      `content-type: application/json\r\n${extra}` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
