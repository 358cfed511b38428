/**
 * A hostile (or broken) registry, or the token realm it names, answers with a body that does not
 * end: an error body, a tag list, a token answer. The client reads a bounded prefix at most, so the
 * registry cannot make a pull or publish buffer what it likes. The server stops after 64 MiB, so
 * a client that reads everything fails the byte-count assertions rather than the machine.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { RegistryError } from "../../src/oci/registry-errors.js";
import { writeUntilGone } from "../support/endless-response.js";
import { instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

const SERVER_CAP = 64 * 1024 * 1024;
/** The limits (64 KiB for error text, 4 MiB for a tag list, 1 MiB for a token) plus socket buffers. */
const READ_AT_MOST = 12 * 1024 * 1024;

let server: LocalServer;
/** Bytes each endless response sent, settled when that response closed. */
const written = new Map<string, { promise: Promise<number>; resolve: (bytes: number) => void }>();
function closed(key: string) {
  if (!written.has(key)) {
    let resolve!: (bytes: number) => void;
    const promise = new Promise<number>((settle) => (resolve = settle));
    written.set(key, { promise, resolve });
  }
  return written.get(key)!;
}

/** Streams `chunk` until the client goes away or the cap is reached. */
function endless(response: ServerResponse, key: string, head: string, chunk: string): void {
  response.write(head);
  void writeUntilGone(response, Buffer.from(chunk.repeat(Math.ceil(65536 / chunk.length))), SERVER_CAP).then((sent) => closed(key).resolve(sent));
}

beforeAll(async () => {
  server = await startLocalServer((request, response) => {
    const url = request.url ?? "";
    if (url === "/v2/") {
      response.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0" });
      response.end();
    } else if (url.startsWith("/v2/bearer/") && request.headers.authorization === undefined) {
      response.writeHead(401, { "WWW-Authenticate": `Bearer realm="${server.url}/token",service="test"` });
      response.end();
    } else if (url.startsWith("/token")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      endless(response, "token", '{"token":"', "a");
    } else if (url.includes("/tags/list")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      endless(response, "tags", '{"name":"x","tags":[', '"t",');
    } else {
      response.writeHead(400, { "Content-Type": "application/json" });
      endless(response, "error", '{"errors":[{"code":"DENIED","message":"', "x");
    }
  });
});

afterAll(async () => {
  await server?.close();
});

const client = () => new RegistryClient({ registry: server.host, plainHttp: true, retry: instantRetry(1), env: {} });

/** The server's count for `key`, once the response has closed (the client closing it early is the point). */
function bytesWritten(key: string): Promise<number> {
  return closed(key).promise;
}

describe("endless bodies from a registry", () => {
  it("an error body is read only as far as the message needs", async () => {
    const error = await client().repository("alga/release").fetchManifest("1.0.0").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(400);
    expect(await bytesWritten("error")).toBeLessThan(READ_AT_MOST);
  });

  it("a tag list is refused past its ceiling", async () => {
    const error = await client().repository("alga/release").listTags().catch((caught: unknown) => caught);
    expect((error as Error).name).toBe("BodyTooLargeError");
    expect(await bytesWritten("tags")).toBeLessThan(READ_AT_MOST);
  });

  it("a token answer is refused past its ceiling", async () => {
    const error = await client().repository("bearer/release").fetchManifest("1.0.0").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/token service .* exceeds 1048576 bytes/);
    expect(await bytesWritten("token")).toBeLessThan(READ_AT_MOST);
  });
});
