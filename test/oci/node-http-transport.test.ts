/**
 * The default transport's response bodies (node:http behind fetch's body interface): in order and
 * whole, the connection reused after a body read to its end, and released at once when the reader
 * stops early; a connection that dies mid-body, or an abort, fails the read the way fetch does.
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpTransport } from "../../src/oci/node-http-transport.js";
import { writeUntilGone } from "../support/endless-response.js";
import { patternBytes, startLocalServer, type LocalServer } from "./test-helpers.js";

const WHOLE = patternBytes(300 * 1024, 5);
const sockets = new Set<Socket>();
/** Settled when the server's endless response closes, with the bytes it sent. */
let endlessClosed: Promise<number>;
/** Resolved by a test to make the server cut the connection of the pending "/cut" response. */
let cutNow: () => void = () => {};
let server: LocalServer;

function endless(response: ServerResponse): void {
  response.writeHead(200, { "Content-Type": "application/octet-stream" });
  endlessClosed = writeUntilGone(response, Buffer.alloc(64 * 1024, 1), 256 * 1024 * 1024);
}

beforeAll(async () => {
  server = await startLocalServer((request, response) => {
    sockets.add(request.socket);
    if (request.url === "/whole") {
      response.writeHead(200, { "Content-Length": String(WHOLE.byteLength) });
      // Several writes, so the body arrives in several chunks.
      for (let offset = 0; offset < WHOLE.byteLength; offset += 50_000) response.write(WHOLE.subarray(offset, offset + 50_000));
      response.end();
    } else if (request.url === "/endless") {
      endless(response);
    } else if (request.url === "/cut") {
      response.writeHead(200, { "Content-Length": "1000000" });
      response.write(Buffer.alloc(1000, 2));
      void new Promise<void>((resolve) => (cutNow = resolve)).then(() => response.socket?.destroy());
    }
  });
});

afterAll(async () => {
  await server?.close();
});

const url = (path: string) => new URL(`${server.url}${path}`);

async function readAll(body: NonNullable<Awaited<ReturnType<typeof nodeHttpTransport>>["body"]>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

describe("the node:http transport's response bodies", () => {
  it("are read whole and in order, and the connection then serves the next request", async () => {
    sockets.clear();
    const first = await nodeHttpTransport(url("/whole"), { method: "GET" });
    expect(Buffer.compare(await readAll(first.body!), Buffer.from(WHOLE))).toBe(0);
    const second = await nodeHttpTransport(url("/whole"), { method: "GET" });
    expect(Buffer.compare(Buffer.from(await second.arrayBuffer()), Buffer.from(WHOLE))).toBe(0);
    expect(sockets.size).toBe(1);
  });

  it("close the response when the reader stops iterating early, and end there", async () => {
    const response = await nodeHttpTransport(url("/endless"), { method: "GET" });
    let seen = 0;
    for await (const chunk of response.body!) {
      seen += chunk.byteLength;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    // The server saw the client go away long before its 256 MiB were sent.
    expect(await endlessClosed).toBeLessThan(32 * 1024 * 1024);
    expect(await response.body!.getReader().read()).toEqual({ done: true });
  });

  it("fail the read with fetch's TypeError('terminated') when the connection dies mid-body", async () => {
    const response = await nodeHttpTransport(url("/cut"), { method: "GET" });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    cutNow();
    const failure = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).message).toBe("terminated");
    expect(((failure as TypeError).cause as { code?: string }).code).toBe("ECONNRESET");
  });

  it("fail the read with the signal's reason when aborted mid-body", async () => {
    const controller = new AbortController();
    const response = await nodeHttpTransport(url("/endless"), { method: "GET", signal: controller.signal });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const reason = new Error("deadline passed");
    controller.abort(reason);
    const failure = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((error: unknown) => error);
    expect(failure).toBe(reason);
    await endlessClosed;
  });
});
