/**
 * The load generators speak HTTP/1.1 over raw keep-alive sockets (no client library between the
 * clock and the wire). One answer at a time per connection: this reads it off the buffer.
 */
export interface WireConn {
  buffer: Buffer;
}

/** Adds `chunk`; when a whole answer is in, removes it and returns its status, else undefined. */
export function takeResponse(conn: WireConn, chunk: Buffer): number | undefined {
  conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
  const headerEnd = conn.buffer.indexOf('\r\n\r\n');
  if (headerEnd < 0) return undefined;
  const head = conn.buffer.subarray(0, headerEnd).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!length) throw new Error(`answer without content-length: ${head.split('\r\n')[0]}`);
  const total = headerEnd + 4 + Number(length[1]);
  if (conn.buffer.length < total) return undefined;
  conn.buffer = conn.buffer.subarray(total);
  return Number(head.slice(9, 12));
}
