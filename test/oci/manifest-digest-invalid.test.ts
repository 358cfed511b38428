/**
 * distribution answers a manifest PUT with 400 DIGEST_INVALID when a blob link the manifest names
 * is being rewritten by a concurrent push as it reads it (seen in the concurrent-publish race
 * against Debian's docker-registry 2.8). The client hashes the manifest before sending it, so that
 * answer is not about its bytes: it asks again, a bounded number of times, and then reports the
 * registry's answer as it was.
 */
import { afterEach, describe, expect, it } from "vitest";
import { sha256Digest } from "../../src/oci/digest.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

const manifest = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: "application/vnd.oci.empty.v1+json", digest: `sha256:${"4".repeat(64)}`, size: 2 }, layers: [] }));
const digest = sha256Digest(manifest);
const digestInvalid = JSON.stringify({ errors: [{ code: "DIGEST_INVALID", message: "provided digest did not match uploaded content" }] });

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A registry whose first `failures` manifest PUTs are answered DIGEST_INVALID, the rest 201. */
async function flakyRegistry(failures: number): Promise<{ puts: () => number }> {
  let puts = 0;
  server = await startLocalServer((request, response, body) => {
    if (request.method !== "PUT") return void response.writeHead(404).end();
    puts++;
    expect(sha256Digest(body)).toBe(digest);
    if (puts <= failures) return void response.writeHead(400, { "Content-Type": "application/json" }).end(digestInvalid);
    response.writeHead(201, { "Docker-Content-Digest": digest }).end();
  });
  return { puts: () => puts };
}

const client = () => new RegistryClient({ registry: server!.host, plainHttp: true, retry: instantRetry(1), env: {} });

describe("a manifest PUT answered DIGEST_INVALID for bytes the client has verified", () => {
  it("is sent again and succeeds when the registry's next answer is 201", async () => {
    const registry = await flakyRegistry(2);
    const pushed = await client().repository("race/x").pushManifest(manifest, OCI_IMAGE_MANIFEST, digest);
    expect(pushed.digest).toBe(digest);
    expect(registry.puts()).toBe(3);
  });

  it("gives up after three answers and reports the registry's error as it was", async () => {
    const registry = await flakyRegistry(Number.POSITIVE_INFINITY);
    await expect(client().repository("race/x").pushManifest(manifest, OCI_IMAGE_MANIFEST, digest)).rejects.toThrow(/DIGEST_INVALID: provided digest did not match uploaded content/);
    expect(registry.puts()).toBe(3);
  });
});
