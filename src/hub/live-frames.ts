/**
 * Live messages as each transport puts them on the wire, built once per message and written
 * as-is to every socket of a group (`Payload.framed`).
 */

/**
 * One final, unmasked text frame (RFC 6455 §5.2), header and payload in a single buffer: the
 * hub writes it straight to the upgraded socket, one buffer per write, instead of `ws` framing
 * the same bytes again for every socket.
 */
export function wsTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  return frame;
}

/**
 * One server-sent event. `id:` carries the offset a resume after this message starts from
 * (browsers send it back as `Last-Event-ID`). JSON text never holds a raw newline, so `data:`
 * is one line.
 */
export function sseEvent(type: string, offset: number | undefined, text: string): string {
  return `${offset === undefined ? '' : `id: ${offset}\n`}event: ${type}\ndata: ${text}\n\n`;
}

/** `sseEvent` around a message already encoded (the bytes the hub measures and the ws frame uses). */
export function sseFrame(type: string, offset: number | undefined, data: Buffer): Buffer {
  const head = `${offset === undefined ? '' : `id: ${offset}\n`}event: ${type}\ndata: `;
  const frame = Buffer.allocUnsafe(Buffer.byteLength(head) + data.length + 2);
  const at = frame.write(head, 'utf8');
  data.copy(frame, at);
  frame.write('\n\n', at + data.length, 'latin1');
  return frame;
}
