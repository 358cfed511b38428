import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DigestMismatchError, sha256Digest } from "../../src/oci/digest.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { NotFoundError } from "../../src/oci/not-found-error.js";
import { RegistryClient, type RegistryClientOptions, type RegistryProgressEvent } from "../../src/oci/registry-client.js";
import { RegistryError, RegistryUnreachableError, type RegistryNotFoundError } from "../../src/oci/registry-errors.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import {
  artifactFixture,
  bytesOf,
  closedPort,
  descriptorOf,
  instantRetry,
  patternBytes,
  recordingFetch,
  startLocalServer,
} from "./test-helpers.js";

let registry: RunningRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

function clientFor(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  return new RegistryClient({ registry: registry.host, plainHttp: true, env: {}, retry: instantRetry(), ...options });
}

describe("blob uploads", () => {
  it("monolithic: opens a session with POST and sends the whole blob in one PUT ?digest=", async () => {
    const recorder = recordingFetch();
    const repository = clientFor({ transport: recorder.fetch }).repository("uploads/monolithic");
    const data = patternBytes(5 * 1024, 11);
    const descriptor = descriptorOf(data);

    expect(await repository.pushBlob(descriptor, data, { uploadMode: "monolithic" })).toBe(true);

    expect(recorder.requests.map((request) => request.method)).toEqual(["HEAD", "POST", "PUT"]);
    const put = recorder.requests[2]!;
    expect(put.bodyBytes).toBe(data.byteLength);
    expect(put.url.searchParams.get("digest")).toBe(descriptor.digest);
    expect(put.status).toBe(201);
    expect(await repository.hasBlob(descriptor.digest)).toBe(true);
    expect(await repository.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
  });

  it("chunked: PATCHes chunkSize pieces with Content-Range, following each Location, then PUT ?digest= without a body", async () => {
    const recorder = recordingFetch();
    const events: RegistryProgressEvent[] = [];
    const repository = clientFor({ transport: recorder.fetch, chunkSize: 1024, onProgress: (event) => events.push(event) }).repository(
      "uploads/chunked",
    );
    const data = patternBytes(5 * 1024, 12);
    const descriptor = descriptorOf(data);

    expect(await repository.pushBlob(descriptor, data, { uploadMode: "chunked" })).toBe(true);

    const patches = recorder.requests.filter((request) => request.method === "PATCH");
    expect(patches.map((patch) => patch.headers.get("content-range"))).toEqual([
      "0-1023",
      "1024-2047",
      "2048-3071",
      "3072-4095",
      "4096-5119",
    ]);
    expect(patches.every((patch) => patch.bodyBytes === 1024 && patch.headers.get("content-type") === "application/octet-stream")).toBe(true);
    // Each PATCH goes where the previous answer's Location pointed.
    const post = recorder.requests.find((request) => request.method === "POST")!;
    const locations = [post, ...patches].map((request) => new URL(request.responseHeaders.get("location")!, request.url).href);
    expect(patches.map((patch) => patch.url.href)).toEqual(locations.slice(0, 5));
    const put = recorder.requests.at(-1)!;
    expect(put.method).toBe("PUT");
    expect(put.bodyBytes).toBe(0);
    expect(put.url.searchParams.get("digest")).toBe(descriptor.digest);
    expect(put.url.href.startsWith(locations[5]!)).toBe(true);
    expect(events.map((event) => [event.kind, event.bytes, event.total])).toEqual([1, 2, 3, 4, 5].map((n) => ["blob-upload", n * 1024, 5 * 1024]));
    expect(await repository.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
  });

  it("auto: chunked only when the blob is larger than chunkSize", async () => {
    const recorder = recordingFetch();
    const repository = clientFor({ transport: recorder.fetch, chunkSize: 1024 }).repository("uploads/auto");
    const small = patternBytes(1024, 13);
    const large = patternBytes(1025, 14);

    await repository.pushBlob(descriptorOf(small), small);
    expect(recorder.requests.filter((request) => request.method === "PATCH")).toHaveLength(0);
    await repository.pushBlob(descriptorOf(large), large);
    expect(recorder.requests.filter((request) => request.method === "PATCH").map((patch) => patch.bodyBytes)).toEqual([1024, 1]);
    expect(await repository.fetchBlob(descriptorOf(large).digest, 1025)).toEqual(large);
  });

  it("skips the upload when HEAD finds the blob: no bytes sent, returns false, reports blob-skip", async () => {
    const repository = clientFor().repository("uploads/skip");
    const data = patternBytes(2048, 15);
    const descriptor = descriptorOf(data);
    expect(await repository.pushBlob(descriptor, data)).toBe(true);

    const recorder = recordingFetch();
    const events: RegistryProgressEvent[] = [];
    const again = clientFor({ transport: recorder.fetch, onProgress: (event) => events.push(event) }).repository("uploads/skip");
    expect(await again.pushBlob(descriptor, data)).toBe(false);

    expect(recorder.requests.map((request) => request.method)).toEqual(["HEAD"]);
    expect(recorder.requests.reduce((sum, request) => sum + request.bodyBytes, 0)).toBe(0);
    expect(events).toEqual([
      { kind: "blob-skip", repository: `${registry.host}/uploads/skip`, digest: descriptor.digest, bytes: 0, total: 2048 },
    ]);
  });

  it("refuses to push data that does not match its descriptor, before any request", async () => {
    const recorder = recordingFetch();
    const repository = clientFor({ transport: recorder.fetch }).repository("uploads/mismatch");
    const data = bytesOf("actual");
    await expect(repository.pushBlob(descriptorOf(bytesOf("claimed")), data)).rejects.toBeInstanceOf(DigestMismatchError);
    expect(recorder.requests).toHaveLength(0);
  });

  it("handles relative Location headers (http.relativeurls) for both upload modes", async () => {
    const relative = await startRegistry({ relativeUrls: true });
    try {
      const recorder = recordingFetch();
      const repository = new RegistryClient({
        registry: relative.host,
        plainHttp: true,
        env: {},
        chunkSize: 1000,
        transport: recorder.fetch,
      }).repository("uploads/relative");
      const chunked = patternBytes(2500, 16);
      const monolithic = patternBytes(500, 17);
      await repository.pushBlob(descriptorOf(chunked), chunked);
      await repository.pushBlob(descriptorOf(monolithic), monolithic);

      const location = recorder.requests.find((request) => request.method === "POST")!.responseHeaders.get("location")!;
      expect(location.startsWith("/v2/")).toBe(true);
      expect(recorder.requests.filter((request) => request.method === "PATCH")).toHaveLength(3);
      expect(await repository.fetchBlob(descriptorOf(chunked).digest, 2500)).toEqual(chunked);
      expect(await repository.fetchBlob(descriptorOf(monolithic).digest, 500)).toEqual(monolithic);
    } finally {
      await relative.stop();
    }
  });
});

describe("cross-repository mount", () => {
  it("mounts a blob from repository A into B without sending its bytes", async () => {
    const client = clientFor();
    const data = patternBytes(3000, 21);
    const descriptor = descriptorOf(data);
    await client.repository("mount/source").pushBlob(descriptor, data);

    const recorder = recordingFetch();
    const events: RegistryProgressEvent[] = [];
    const target = clientFor({ transport: recorder.fetch, onProgress: (event) => events.push(event) }).repository("mount/target");
    expect(await target.hasBlob(descriptor.digest)).toBe(false);
    expect(await target.mountBlob(descriptor, "mount/source")).toBe(true);

    const mount = recorder.requests.find((request) => request.method === "POST")!;
    expect(mount.url.searchParams.get("mount")).toBe(descriptor.digest);
    expect(mount.url.searchParams.get("from")).toBe("mount/source");
    expect(mount.status).toBe(201);
    expect(recorder.requests.some((request) => request.method === "PUT" || request.method === "PATCH")).toBe(false);
    expect(events.map((event) => event.kind)).toEqual(["blob-mount"]);
    expect(await target.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
  });

  it("returns false when the registry declines (blob not in the source) and cancels the upload session it opened", async () => {
    const recorder = recordingFetch();
    const target = clientFor({ transport: recorder.fetch }).repository("mount/declined");
    const descriptor = descriptorOf(bytesOf("never pushed anywhere"));

    expect(await target.mountBlob(descriptor, "mount/source")).toBe(false);

    const post = recorder.requests.find((request) => request.method === "POST")!;
    expect(post.status).toBe(202);
    const cancel = recorder.requests.find((request) => request.method === "DELETE")!;
    expect(cancel.url.pathname).toBe(new URL(post.responseHeaders.get("location")!, post.url).pathname);
    expect(cancel.status).toBe(204);
    expect(await target.hasBlob(descriptor.digest)).toBe(false);
  });
});

describe("manifests", () => {
  it("pushes by tag, resolves with HEAD and fetches by tag and by digest", async () => {
    const fixture = artifactFixture("manifests");
    const client = clientFor();
    const repository = client.repository("manifests/artifact");
    await repository.pushBlob(fixture.config.descriptor, fixture.config.data);
    await repository.pushBlob(fixture.layer.descriptor, fixture.layer.data);

    const pushed = await repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "1.0.0");
    const expected = { mediaType: OCI_IMAGE_MANIFEST, digest: fixture.manifestDigest, size: fixture.manifest.byteLength };
    expect(pushed).toEqual(expected);

    const recorder = recordingFetch();
    const reader = clientFor({ transport: recorder.fetch }).repository("manifests/artifact");
    expect(await reader.resolve("1.0.0")).toEqual(expected);
    expect(await reader.resolve(fixture.manifestDigest)).toEqual(expected);
    expect(recorder.requests.map((request) => request.method)).toEqual(["HEAD", "HEAD"]);
    expect(recorder.requests[0]!.headers.get("accept")).toContain(OCI_IMAGE_MANIFEST);

    const byTag = await reader.fetchManifest("1.0.0");
    const byDigest = await reader.fetchManifest(fixture.manifestDigest);
    expect(byTag).toEqual({ descriptor: expected, bytes: fixture.manifest });
    expect(byDigest).toEqual(byTag);
    const parsed = JSON.parse(new TextDecoder().decode(byDigest.bytes)) as { config: { mediaType: string }; artifactType: string };
    expect(parsed.config.mediaType).toBe("application/vnd.example.test.config.v1+json");
    expect(parsed.artifactType).toBe("application/vnd.example.test.v1");
  });

  it("pushes by its own digest and refuses a digest reference that does not match the bytes", async () => {
    const fixture = artifactFixture("by-digest");
    const repository = clientFor().repository("manifests/by-digest");
    await repository.pushBlob(fixture.config.descriptor, fixture.config.data);
    await repository.pushBlob(fixture.layer.descriptor, fixture.layer.data);

    const pushed = await repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, fixture.manifestDigest);
    expect(pushed.digest).toBe(fixture.manifestDigest);
    expect(await repository.listTags()).toEqual([]);
    expect((await repository.resolve(fixture.manifestDigest))?.digest).toBe(fixture.manifestDigest);
    await expect(repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, sha256Digest("other"))).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });

  it("reports the registry's error code when a manifest references a blob it does not have", async () => {
    const fixture = artifactFixture("missing-blobs");
    const repository = clientFor().repository("manifests/missing-blobs");
    const error = await repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, "broken").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(400);
    expect((error as RegistryError).code).toBe("MANIFEST_BLOB_UNKNOWN");
    expect((error as RegistryError).message).toContain(`pushing manifest broken to ${registry.host}/manifests/missing-blobs`);
    expect((error as RegistryError).method).toBe("PUT");
  });

  it("resolves a missing tag or digest to undefined; fetching it is the content model's NotFoundError (404 MANIFEST_UNKNOWN) naming the reference", async () => {
    const repository = clientFor().repository("manifests/absent");
    expect(await repository.resolve("nope")).toBeUndefined();
    expect(await repository.resolve(sha256Digest("nope"))).toBeUndefined();
    const error = await repository.fetchManifest("nope").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ kind: "manifest", reference: "nope", location: `${registry.host}/manifests/absent` });
    expect((error as RegistryNotFoundError).status).toBe(404);
    expect((error as RegistryNotFoundError).code).toBe("MANIFEST_UNKNOWN");
    expect((error as RegistryNotFoundError).message).toContain(`manifest nope not found in ${registry.host}/manifests/absent`);
  });

  it("rejects malformed references before sending anything", async () => {
    const recorder = recordingFetch();
    const repository = clientFor({ transport: recorder.fetch }).repository("manifests/refs");
    await expect(repository.resolve("-bad")).rejects.toThrow(/invalid tag "-bad"/);
    await expect(repository.fetchManifest("sha256:abc")).rejects.toThrow(/not a sha256 digest/);
    expect(() => clientFor().repository("Upper/Case")).toThrow(/uppercase/);
    expect(recorder.requests).toHaveLength(0);
  });
});

describe("tags", () => {
  async function pushTags(name: string, tags: readonly string[]): Promise<void> {
    const fixture = artifactFixture(name);
    const repository = clientFor().repository(name);
    await repository.pushBlob(fixture.config.descriptor, fixture.config.data);
    await repository.pushBlob(fixture.layer.descriptor, fixture.layer.data);
    for (const tag of tags) await repository.pushManifest(fixture.manifest, OCI_IMAGE_MANIFEST, tag);
  }


  it("asks for n per page and returns all tags sorted (registry 2.8 ignores n and answers unsorted)", async () => {
    await pushTags("tags/unsorted", ["v3", "latest", "v1", "2.0.0", "v2"]);
    const recorder = recordingFetch();
    const listed = await clientFor({ transport: recorder.fetch, tagPageSize: 2 }).repository("tags/unsorted").listTags();
    expect(listed).toEqual(["2.0.0", "latest", "v1", "v2", "v3"]);
    expect(recorder.requests.map((request) => request.url.searchParams.get("n"))).toEqual(["2"]);
  });

  it("follows Link rel=next pages (a paging proxy in front of the registry, as newer registries answer)", async () => {
    await pushTags("tags/paged", ["v3", "latest", "v1", "2.0.0", "v2"]);
    const proxy = await startLocalServer(async (request, response) => {
      const url = new URL(request.url ?? "/", "http://proxy");
      const upstream = await fetch(`${registry.url}${url.pathname}`);
      if (!url.pathname.endsWith("/tags/list") || upstream.status !== 200) {
        response.writeHead(upstream.status, Object.fromEntries(upstream.headers));
        response.end(Buffer.from(await upstream.arrayBuffer()));
        return;
      }
      const { name, tags } = (await upstream.json()) as { name: string; tags: string[] };
      const n = Number(url.searchParams.get("n") ?? 100);
      const last = url.searchParams.get("last");
      const rest = tags.sort().filter((tag) => last === null || tag > last);
      const page = rest.slice(0, n);
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      // Relative, with its own query string, as distribution 3 writes it.
      if (rest.length > n) headers.Link = `<${url.pathname}?last=${encodeURIComponent(page.at(-1)!)}&n=${n}>; rel="next"`;
      response.writeHead(200, headers);
      response.end(JSON.stringify({ name, tags: page }));
    });
    try {
      const recorder = recordingFetch();
      const client = new RegistryClient({ registry: proxy.host, plainHttp: true, env: {}, tagPageSize: 2, transport: recorder.fetch });
      expect(await client.repository("tags/paged").listTags()).toEqual(["2.0.0", "latest", "v1", "v2", "v3"]);
      expect(recorder.requests.map((request) => [request.url.searchParams.get("last"), request.url.searchParams.get("n")])).toEqual([
        [null, "2"],
        ["latest", "2"],
        ["v2", "2"],
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("returns no tags for a repository that does not exist", async () => {
    expect(await clientFor().repository("tags/never-created").listTags()).toEqual([]);
  });
});

describe("blob reads", () => {
  it("throws DigestMismatchError when the stored bytes were tampered with", async () => {
    const repository = clientFor().repository("reads/tampered");
    const data = patternBytes(4096, 31);
    const descriptor = descriptorOf(data);
    await repository.pushBlob(descriptor, data);
    expect(await repository.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);

    const tampered = Uint8Array.from(data);
    tampered[100] = (tampered[100]! + 1) % 256;
    await writeFile(registry.blobDataPath(descriptor.digest), tampered);

    const error = await repository.fetchBlob(descriptor.digest, descriptor.size).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).actual).toBe(sha256Digest(tampered));
  });

  it("throws DigestMismatchError when the size differs from the expected one", async () => {
    const repository = clientFor().repository("reads/size");
    const data = patternBytes(100, 32);
    await repository.pushBlob(descriptorOf(data), data);
    await expect(repository.fetchBlob(descriptorOf(data).digest, 99)).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("reports a missing blob as the content model's NotFoundError (404 BLOB_UNKNOWN)", async () => {
    const digest = sha256Digest("absent blob");
    const error = await clientFor().repository("reads/absent").fetchBlob(digest).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ kind: "blob", reference: digest, location: `${registry.host}/reads/absent` });
    expect((error as RegistryNotFoundError).status).toBe(404);
    expect((error as RegistryNotFoundError).message).toContain(`not found in ${registry.host}/reads/absent`);
  });

  it("retries a blob GET that a flaky proxy answers with 503 twice, then succeeds", async () => {
    const repository = clientFor().repository("reads/flaky");
    const data = patternBytes(700, 33);
    const descriptor = descriptorOf(data);
    await repository.pushBlob(descriptor, data);

    let blobRequests = 0;
    const proxy = await startLocalServer(async (request, response, body) => {
      if (request.url?.includes("/blobs/") && ++blobRequests <= 2) {
        response.writeHead(503, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "try later" }] }));
        return;
      }
      const upstream = await fetch(`${registry.url}${request.url}`, {
        method: request.method,
        ...(body.byteLength > 0 ? { body } : {}),
      });
      response.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      response.end(Buffer.from(await upstream.arrayBuffer()));
    });
    try {
      const retry = instantRetry();
      const viaProxy = new RegistryClient({ registry: proxy.host, plainHttp: true, env: {}, retry }).repository("reads/flaky");
      expect(await viaProxy.fetchBlob(descriptor.digest, descriptor.size)).toEqual(data);
      expect(blobRequests).toBe(3);
      expect(retry.delays).toEqual([100, 200]);
    } finally {
      await proxy.close();
    }
  });
});

describe("ping", () => {
  it("accepts a registry", async () => {
    await expect(clientFor().ping()).resolves.toBeUndefined();
  });

  it("says when the server is not a registry", async () => {
    const server = await startLocalServer((_request, response) => {
      response.writeHead(404);
      response.end("not here");
    });
    try {
      const error = await new RegistryClient({ registry: server.host, plainHttp: true, env: {} }).ping().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as Error).message).toContain(`${server.host} does not look like an OCI registry`);
    } finally {
      await server.close();
    }
  });

  it("suggests --plain-http when HTTPS is spoken to a plain-HTTP registry, without retrying the TLS failure", async () => {
    const retry = instantRetry();
    const error = await clientFor({ plainHttp: false, retry }).ping().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    expect((error as Error).message).toContain(`cannot reach registry ${registry.host}`);
    expect((error as Error).message).toContain("TLS handshake failed");
    expect((error as Error).message).toContain("try --plain-http");
    expect(retry.delays).toEqual([]);
  });

  it("names the host when nothing listens, after retrying", async () => {
    const port = await closedPort();
    const retry = instantRetry(3);
    const error = await new RegistryClient({ registry: `127.0.0.1:${port}`, plainHttp: true, env: {}, retry })
      .ping()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    expect((error as Error).message).toContain(`cannot reach registry 127.0.0.1:${port}`);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).toContain("after 3 attempts");
    expect(retry.delays).toHaveLength(2);
  });
});
