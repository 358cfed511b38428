/**
 * Issue 17 point 3: one status check with typed distribution error codes. A manifest PUT answered
 * 200 or 202 (as some registries answer) is a success; refusals carry their code and whether a retry
 * can help; a 404 for content asked for is the content model's NotFoundError.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/oci/not-found-error.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { RegistryError } from "../../src/oci/registry-errors.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { artifactFixture, instantRetry, startLocalServer, type LocalServer } from "./test-helpers.js";

let registry: RunningRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

/** Forwards to the real registry, answering a manifest PUT's 201 with `status` instead. */
async function manifestStatusProxy(status: number): Promise<LocalServer> {
  return startLocalServer(async (request, response, body) => {
    const upstream = await fetch(`${registry.url}${request.url}`, {
      method: request.method,
      headers: Object.fromEntries(Object.entries(request.headers).filter(([name]) => name === "content-type" || name === "accept")) as Record<string, string>,
      ...(body.byteLength > 0 ? { body } : {}),
      redirect: "manual",
    });
    const rewritten = request.method === "PUT" && request.url?.includes("/manifests/") && upstream.status === 201 ? status : upstream.status;
    response.writeHead(rewritten, Object.fromEntries(upstream.headers));
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
}

describe("manifest PUT", () => {
  it.each([200, 201, 202])("accepts %i, as registries answer, and still checks the stored digest", async (status) => {
    const proxy = await manifestStatusProxy(status);
    try {
      const repository = new RegistryClient({ registry: proxy.host, plainHttp: true, env: {} }).repository(`status/put-${status}`);
      const artifact = artifactFixture(`put-${status}`);
      await repository.pushBlob(artifact.config.descriptor, artifact.config.data);
      await repository.pushBlob(artifact.layer.descriptor, artifact.layer.data);
      const descriptor = await repository.pushManifest(artifact.manifest, "application/vnd.oci.image.manifest.v1+json", "1.0");
      expect(descriptor.digest).toBe(artifact.manifestDigest);
      expect((await repository.resolve("1.0"))?.digest).toBe(artifact.manifestDigest);
    } finally {
      await proxy.close();
    }
  });
});

describe("typed error codes", () => {
  async function refusal(status: number, body: string): Promise<RegistryError> {
    const server = await startLocalServer((_request, response) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(body);
    });
    try {
      const client = new RegistryClient({ registry: server.host, plainHttp: true, env: {}, retry: instantRetry(1) });
      return (await client.repository("codes/x").listTags().catch((caught: unknown) => caught)) as RegistryError;
    } finally {
      await server.close();
    }
  }

  it("carries the spec's code and whether a retry can help", async () => {
    const limited = await refusal(429, JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
    expect(limited).toBeInstanceOf(RegistryError);
    expect(limited).toMatchObject({ status: 429, code: "TOOMANYREQUESTS", retryable: true });
    expect(limited.message).toContain("TOOMANYREQUESTS: slow down");

    const denied = await refusal(403, JSON.stringify({ errors: [{ code: "DENIED", message: "no" }] }));
    expect(denied).toMatchObject({ status: 403, code: "DENIED", retryable: false });

    const unavailable = await refusal(503, JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "down" }] }));
    expect(unavailable).toMatchObject({ status: 503, code: "UNAVAILABLE", retryable: true });
  });

  it("names a code outside the spec UNKNOWN, keeps the registry's words, and falls back on the status for retryability", async () => {
    const odd = await refusal(502, JSON.stringify({ errors: [{ code: "VENDOR_SPECIFIC", message: "odd" }] }));
    expect(odd).toMatchObject({ status: 502, code: "UNKNOWN", retryable: true });
    expect(odd.errors[0]?.code).toBe("VENDOR_SPECIFIC");
    const html = await refusal(400, "<html>bad gateway</html>");
    expect(html).toMatchObject({ status: 400, code: undefined, retryable: false });
    expect(html.message).toContain("<html>bad gateway</html>");
  });
});

describe("not found", () => {
  it("is a NotFoundError for a manifest and a blob, and nothing else for an absent repository's tags", async () => {
    const repository = new RegistryClient({ registry: registry.host, plainHttp: true, env: {} }).repository("status/absent");
    await expect(repository.fetchManifest("1.0")).rejects.toBeInstanceOf(NotFoundError);
    await expect(repository.fetchBlob(`sha256:${"0".repeat(64)}`)).rejects.toBeInstanceOf(NotFoundError);
    expect(await repository.listTags()).toEqual([]);
  });
});
