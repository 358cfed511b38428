/**
 * Issue 18 points 4 and 8: the import sends blobs concurrently and sends a blob several repositories
 * share once (the others mount it), yet no manifest or tag request starts before every blob is
 * committed, and a blob whose bytes change after verification is never committed. A real
 * docker-registry behind a proxy that records the order of requests and answers.
 */
import { createHash, randomBytes } from "node:crypto";
import { openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importArchive, registryTarget } from "../../src/airgap/import-archive.js";
import { verifyArchive } from "../../src/airgap/read-archive.js";
import { OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from "../support/fault-proxy.js";
import { startRegistry, type RunningRegistry } from "../support/registry-server.js";
import { tempDir } from "../support/temp-dir.js";
import { encode, writeEntries, type RawEntry } from "./repack.js";

let registry: RunningRegistry;
let proxy: FaultProxy;
beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

const digestOf = (data: Uint8Array) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
const LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

/**
 * An archive of `images` images, each with its own two layers and one layer all of them share
 * (several chunks of the uploader, so an upload takes several requests).
 */
function buildArchive(name: string, images: number): { file: string; shared: string; blobs: Map<string, Uint8Array> } {
  const blobs = new Map<string, Uint8Array>();
  const add = (data: Uint8Array) => {
    const digest = digestOf(data);
    blobs.set(digest, data);
    return digest;
  };
  const sharedData = randomBytes(3 * 1024 * 1024 + 17);
  const shared = add(sharedData);
  const manifests = [];
  for (let i = 0; i < images; i++) {
    const own = [randomBytes(256 * 1024 + i), randomBytes(1024 + i)];
    const config = encode({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config: { Labels: { i: String(i) } } });
    const layers = [sharedData, ...own].map((data) => ({ mediaType: LAYER, digest: add(data), size: data.byteLength }));
    const manifest = encode({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: add(config), size: config.byteLength }, layers });
    const reference = `ghcr.io/${name}/image-${i}:1.0.${i}`;
    manifests.push({ mediaType: OCI_IMAGE_MANIFEST, digest: add(manifest), size: manifest.byteLength, annotations: { "org.opencontainers.image.ref.name": reference, "io.containerd.image.name": reference, "dev.alga.airgap.role": "image" } });
  }
  const entries: RawEntry[] = [
    { path: "oci-layout", data: encode({ imageLayoutVersion: "1.0.0" }) },
    { path: "index.json", data: encode({ schemaVersion: 2, manifests, annotations: { "dev.alga.airgap.platforms": "linux/amd64" } }) },
    ...[...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, data]) => ({ path: `blobs/sha256/${digest.slice(7)}`, data })),
  ];
  const file = join(tempDir("airgap-order-"), "archive.tar");
  writeEntries(file, entries);
  return { file, shared, blobs };
}

const client = () => new RegistryClient({ registry: proxy.host, plainHttp: true, chunkSize: 1024 * 1024 });
const isManifestPut = (request: ProxiedRequest) => request.method === "PUT" && /\/manifests\//.test(request.path);
const isBlobCommit = (request: ProxiedRequest) =>
  (request.method === "PUT" && /\/blobs\/uploads\/.*[?&]digest=/.test(request.path)) || (request.method === "POST" && /[?&]mount=/.test(request.path));

describe("import into a registry, blobs under way concurrently", () => {
  it("sends a shared blob once (the other repositories mount it), overlaps blob requests, and starts no manifest or tag request before every blob is committed", async () => {
    const { file, shared } = buildArchive("ordered", 5);
    const archive = await verifyArchive(file, { layerCeiling: 1024 ** 3 });
    proxy.requests.length = 0;
    const report = await importArchive(archive, registryTarget(client(), "site"));
    const requests = [...proxy.requests];

    expect(report.tags).toHaveLength(5);
    // The shared layer: uploaded once, mounted into the four other repositories.
    const sharedUploads = requests.filter((request) => request.method === "PUT" && request.path.includes(`digest=${encodeURIComponent(shared)}`));
    expect(sharedUploads).toHaveLength(1);
    expect(requests.filter((request) => request.method === "POST" && request.path.includes(`mount=${encodeURIComponent(shared)}`) && request.status === 201)).toHaveLength(4);
    expect(report.blobsMounted).toBe(4);

    // Concurrency: some blob request arrived while another was still unanswered.
    const blobRequests = requests.filter((request) => /\/blobs\//.test(request.path));
    expect(blobRequests.some((request, i) => blobRequests.slice(0, i).some((earlier) => earlier.answered! > request.arrived))).toBe(true);

    // Order: every blob committed (answered) before the first manifest request arrived, and every
    // manifest by digest answered before the first tag.
    const lastCommit = Math.max(...requests.filter(isBlobCommit).map((request) => request.answered!));
    const manifestPuts = requests.filter(isManifestPut);
    expect(manifestPuts.length).toBeGreaterThan(0);
    expect(Math.min(...manifestPuts.map((request) => request.arrived))).toBeGreaterThan(lastCommit);
    const byDigest = manifestPuts.filter((request) => /\/manifests\/sha256:/.test(request.path));
    const tags = manifestPuts.filter((request) => !/\/manifests\/sha256:/.test(request.path));
    expect(tags).toHaveLength(5);
    expect(Math.min(...tags.map((request) => request.arrived))).toBeGreaterThan(Math.max(...byDigest.map((request) => request.answered!)));

    // What a reader sees: every tag resolves, with its blobs there.
    const reader = new RegistryClient({ registry: registry.host, plainHttp: true });
    for (let i = 0; i < 5; i++) {
      const repository = reader.repository(`ordered/image-${i}`);
      expect(await repository.resolve(`1.0.${i}`)).toBeDefined();
      expect(await repository.hasBlob(shared)).toBe(true);
    }
  }, 120_000);

  it("a blob whose bytes in the archive change after verification is refused while it streams: no closing PUT, the session cancelled, no manifest, no tag", async () => {
    const { file, blobs } = buildArchive("changed", 3);
    const archive = await verifyArchive(file, { layerCeiling: 1024 ** 3 });
    // The largest own layer of image 0 (several upload chunks), rewritten in place with other bytes of the same length.
    const [victim] = [...blobs].filter(([, data]) => data.byteLength === 256 * 1024);
    const [digest, data] = victim!;
    const entry = archive.blobs.get(digest)!;
    const handle = openSync(file, "r+");
    writeSync(handle, Buffer.alloc(data.byteLength, 0x41), 0, data.byteLength, entry.offset);
    closeSync(handle);

    proxy.requests.length = 0;
    await expect(importArchive(archive, registryTarget(client(), "changed"))).rejects.toThrow(/changed since it was verified/);
    const requests = [...proxy.requests];
    expect(requests.filter((request) => request.method === "PUT" && request.path.includes(`digest=${encodeURIComponent(digest)}`))).toEqual([]);
    expect(requests.some((request) => request.method === "DELETE" && /\/changed\/image-0\/blobs\/uploads\//.test(request.path))).toBe(true);
    expect(requests.filter(isManifestPut)).toEqual([]);
    const reader = new RegistryClient({ registry: registry.host, plainHttp: true });
    expect(await reader.repository("changed/image-0").hasBlob(digest)).toBe(false);
    expect(await reader.repository("changed/image-0").listTags()).toEqual([]);
  }, 120_000);
});
