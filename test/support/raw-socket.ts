import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { waitFor } from './helpers.js';

/** Bad frames a hostile client may send after the handshake (client frames, masked). */
export const BAD_FRAMES = {
  /** FIN + reserved opcode 0xF, masked, empty. */
  reservedOpcode: Buffer.from('8f8000000000', 'hex'),
  /** A text frame declaring 5,120 bytes: over any small `maxPayload`. */
  oversized: Buffer.from('81fe140000000000', 'hex'),
  /** A text frame without the mask every client frame must carry. */
  unmasked: Buffer.from('810161', 'hex'),
  /** A masked text frame whose payload is not UTF-8 (0xff). */
  invalidUtf8: Buffer.from('818100000000ff', 'hex'),
};

/**
 * Opens a TCP connection, sends a WebSocket handshake for `target` by hand, and resolves once
 * the answer's head has arrived (or the socket closed): the raw socket stays open for frames.
 */
export async function rawWebSocket(
  base: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ socket: Socket; status: string; received: () => string }> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(
    `GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (answer += chunk));
  try {
    await Promise.race([
      once(socket, 'close'),
      waitFor(() => answer.includes('\r\n\r\n'), { what: `an answer to ${target}` }),
    ]);
  } catch (err) {
    socket.destroy(); // an unanswered handshake must not keep the server from closing
    throw err;
  }
  return { socket, status: answer.split('\r\n')[0] ?? '', received: () => answer };
}

/** Sends `request` as written (no client normalizes its path) and resolves with the answer. */
export async function rawRequest(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (answer += chunk));
  socket.write(request);
  try {
    await Promise.race([
      once(socket, 'close'),
      waitFor(() => /\r\n\r\n/.test(answer) && answerComplete(answer), {
        what: `an answer to ${request.split('\r\n')[0]}`,
      }),
    ]);
  } finally {
    socket.destroy();
  }
  return answer;
}

function answerComplete(answer: string): boolean {
  const [head, body = ''] = answer.split('\r\n\r\n', 2);
  const length = /content-length: (\d+)/i.exec(head ?? '')?.[1];
  return length === undefined || Buffer.byteLength(body, 'latin1') >= Number(length);
}
