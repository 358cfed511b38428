import type { ServerResponse } from "node:http";

/**
 * Writes `piece` to `response` over and over (waiting for the socket to drain) until the client
 * goes away or `cap` bytes are sent, then ends it. Settles when the response closes, with the bytes
 * written: a client that stops reading early shows as a count far below the cap.
 */
export function writeUntilGone(response: ServerResponse, piece: Buffer, cap: number): Promise<number> {
  let sent = 0;
  const closed = new Promise<number>((resolve) => response.on("close", () => resolve(sent)));
  const pump = () => {
    while (sent < cap && !response.destroyed) {
      sent += piece.byteLength;
      if (!response.write(piece)) return void response.once("drain", pump);
    }
    response.end();
  };
  pump();
  return closed;
}
