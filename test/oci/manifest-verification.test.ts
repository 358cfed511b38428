/**
 * What the client does when a server lies about manifests: a real registry never does,
 * so a small local server serves crafted answers.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigestMismatchError, sha256Digest } from "../../src/oci/digest.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { artifactFixture, instantRetry, recordingFetch, startLocalServer, type LocalServer } from "./test-helpers.js";

const genuine = artifactFixture("genuine").manifest;
const other = artifactFixture("other").manifest;

let server: LocalServer;

function send(response: ServerResponse, method: string | undefined, body: Uint8Array, headers: Record<string, string>): void {
  response.writeHead(200, { "Content-Length": String(body.byteLength), ...headers });
  response.end(method === "HEAD" ? undefined : body);
}

beforeAll(async () => {
  server = await startLocalServer((request, response) => {
    const reference = request.url?.split("/manifests/").at(-1) ?? "";
    switch (reference) {
      // Claims a digest that the bytes do not have.
      case "lying-header":
        return send(response, request.method, other, { "Content-Type": OCI_IMAGE_MANIFEST, "Docker-Content-Digest": sha256Digest(genuine) });
      // Asked by digest, answers with other bytes (and no digest header to hide behind).
      case sha256Digest(genuine):
        return send(response, request.method, other, { "Content-Type": OCI_IMAGE_MANIFEST });
      // A registry that omits Docker-Content-Digest on HEAD and labels the manifest as plain JSON.
      case "no-digest-header":
        return send(response, request.method, genuine, { "Content-Type": "application/json" });
      default:
        response.writeHead(404, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }));
    }
  });
});

afterAll(async () => {
  await server?.close();
});

function repository(fetchImpl?: typeof fetch) {
  return new RegistryClient({
    registry: server.host,
    plainHttp: true,
    env: {},
    retry: instantRetry(),
    ...(fetchImpl ? { transport: fetchImpl } : {}),
  }).repository("verify/artifact");
}

describe("manifest verification", () => {
  it("rejects a manifest fetched by tag whose bytes do not match Docker-Content-Digest", async () => {
    const error = await repository().fetchManifest("lying-header").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).expected).toBe(sha256Digest(genuine));
    expect((error as DigestMismatchError).actual).toBe(sha256Digest(other));
  });

  it("rejects a manifest fetched by digest whose bytes hash to something else", async () => {
    await expect(repository().fetchManifest(sha256Digest(genuine))).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("falls back to GET when HEAD lacks the digest, computing it and the media type from the bytes", async () => {
    const recorder = recordingFetch();
    expect(await repository(recorder.fetch).resolve("no-digest-header")).toEqual({
      mediaType: OCI_IMAGE_MANIFEST,
      digest: sha256Digest(genuine),
      size: genuine.byteLength,
    });
    expect(recorder.requests.map((request) => request.method)).toEqual(["HEAD", "GET"]);
  });
});
