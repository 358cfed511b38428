import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DigestMismatchError, sha256Digest } from "../../src/oci/digest.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { ANNOTATION_REF_NAME } from "../../src/oci/annotations.js";
import { OCI_EMPTY_JSON, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import type { Descriptor } from "../../src/oci/types.js";

const REPO = "alga-appliance-config";
const encoder = new TextEncoder();
const cleanup: string[] = [];

afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "layout-"));
  cleanup.push(dir);
  return dir;
}

function blob(content: string, mediaType = "application/octet-stream"): { descriptor: Descriptor; data: Uint8Array } {
  const data = encoder.encode(content);
  return { descriptor: { mediaType, digest: sha256Digest(data), size: data.byteLength }, data };
}

const config = blob("{}", OCI_EMPTY_JSON);
const layerV1 = blob("layer one", "application/vnd.cncf.flux.content.v1.tar+gzip");
const layerV2 = blob("layer two", "application/vnd.cncf.flux.content.v1.tar+gzip");

function manifestFor(layer: Descriptor): Uint8Array {
  return encoder.encode(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, artifactType: "application/vnd.cncf.flux.config.v1+json", config: config.descriptor, layers: [layer] }),
  );
}

async function pushArtifact(root: string, layer: { descriptor: Descriptor; data: Uint8Array }, reference: string): Promise<Descriptor> {
  const repo = openLayoutRepository(root, REPO);
  await repo.pushBlob(config.descriptor, config.data);
  await repo.pushBlob(layer.descriptor, layer.data);
  return repo.pushManifest(manifestFor(layer.descriptor), OCI_IMAGE_MANIFEST, reference);
}

function hex(digest: string): string {
  return digest.slice("sha256:".length);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(dir.length + 1));
  }
  return out.sort();
}

describe("OciLayoutRepository", () => {
  it("lives at <root>/<name> and starts as an empty repository without touching the disk", async () => {
    const root = await scratch();
    const repo = openLayoutRepository(root, REPO);
    expect(repo.location).toBe(join(root, REPO));
    expect(await repo.listTags()).toEqual([]);
    expect(await repo.resolve("1.0")).toBeUndefined();
    expect(await repo.hasBlob(config.descriptor.digest)).toBe(false);
    await expect(repo.fetchBlob(config.descriptor.digest)).rejects.toThrow(/not found in/);
    await expect(repo.fetchManifest("1.0")).rejects.toThrow(/manifest "1.0" not found/);
    expect(await readdir(root)).toEqual([]);
  });

  it("creates a spec layout on first write, with 0644 files and 0755 directories under umask 077", async () => {
    const root = await scratch();
    const repo = openLayoutRepository(root, REPO);
    const previous = process.umask(0o077);
    try {
      expect(await repo.pushBlob(config.descriptor, config.data)).toBe(true);
    } finally {
      process.umask(previous);
    }
    const dir = join(root, REPO);
    expect(await readFile(join(dir, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
    expect(await readFile(join(dir, "index.json"), "utf8")).toBe(
      `{\n  "schemaVersion": 2,\n  "mediaType": "${OCI_IMAGE_INDEX}",\n  "manifests": []\n}\n`,
    );
    const blobPath = join(dir, "blobs", "sha256", hex(config.descriptor.digest));
    expect(await readFile(blobPath, "utf8")).toBe("{}");
    for (const file of ["oci-layout", "index.json", join("blobs", "sha256", hex(config.descriptor.digest))]) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o644);
    }
    for (const sub of ["", "blobs", join("blobs", "sha256")]) {
      expect((await stat(join(dir, sub))).mode & 0o777).toBe(0o755);
    }
    expect(await listFiles(dir)).toEqual(["blobs/sha256/" + hex(config.descriptor.digest), "index.json", "oci-layout"]);
  });

  it("stores a blob once and reads it back verified", async () => {
    const repo = openLayoutRepository(await scratch(), REPO);
    expect(await repo.pushBlob(layerV1.descriptor, layerV1.data)).toBe(true);
    expect(await repo.pushBlob(layerV1.descriptor, layerV1.data)).toBe(false);
    expect(await repo.hasBlob(layerV1.descriptor.digest)).toBe(true);
    expect(await repo.fetchBlob(layerV1.descriptor.digest, layerV1.descriptor.size)).toEqual(layerV1.data);
  });

  it("refuses a blob whose bytes do not match its descriptor, writing nothing", async () => {
    const root = await scratch();
    const repo = openLayoutRepository(root, REPO);
    await expect(repo.pushBlob(layerV1.descriptor, layerV2.data)).rejects.toThrow(DigestMismatchError);
    await expect(repo.pushBlob({ ...layerV1.descriptor, size: 3 }, layerV1.data)).rejects.toThrow(DigestMismatchError);
    expect(await readdir(root)).toEqual([]);
  });

  it("tags a manifest in index.json with the ref.name annotation", async () => {
    const root = await scratch();
    const manifest = await pushArtifact(root, layerV1, "1.0");
    const bytes = manifestFor(layerV1.descriptor);
    expect(manifest).toEqual({ mediaType: OCI_IMAGE_MANIFEST, digest: sha256Digest(bytes), size: bytes.byteLength });

    const index = JSON.parse(await readFile(join(root, REPO, "index.json"), "utf8")) as { manifests: unknown[] };
    expect(index).toEqual({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: [{ mediaType: OCI_IMAGE_MANIFEST, digest: manifest.digest, size: manifest.size, annotations: { [ANNOTATION_REF_NAME]: "1.0" } }],
    });

    // The descriptor keys keep the spec's order (issue 7, point 15: they used to come out sorted).
    const text = await readFile(join(root, REPO, "index.json"), "utf8");
    expect(Object.keys((JSON.parse(text) as { manifests: object[] }).manifests[0]!)).toEqual(["mediaType", "digest", "size", "annotations"]);

    const repo = openLayoutRepository(root, REPO);
    expect(await repo.resolve("1.0")).toEqual(manifest);
    expect(await repo.resolve(manifest.digest)).toEqual(manifest);
    expect(await repo.fetchManifest("1.0")).toEqual({ descriptor: manifest, bytes: new Uint8Array(bytes) });
    expect(await repo.listTags()).toEqual(["1.0"]);
  });

  it("moves a tag, keeping the previous manifest reachable by digest", async () => {
    const root = await scratch();
    const first = await pushArtifact(root, layerV1, "latest");
    const second = await pushArtifact(root, layerV2, "latest");
    const repo = openLayoutRepository(root, REPO);
    expect((await repo.resolve("latest"))?.digest).toBe(second.digest);
    expect(await repo.listTags()).toEqual(["latest"]);
    expect(await repo.resolve(first.digest)).toEqual(first);

    const index = JSON.parse(await readFile(join(root, REPO, "index.json"), "utf8")) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
    expect(index.manifests.map((entry) => [entry.annotations?.[ANNOTATION_REF_NAME], entry.digest])).toEqual([
      [undefined, first.digest],
      ["latest", second.digest],
    ]);
  });

  it("records a manifest pushed by digest without a ref name, and drops that entry once tagged", async () => {
    const root = await scratch();
    const bytes = manifestFor(layerV1.descriptor);
    const digest = sha256Digest(bytes);
    const pushed = await pushArtifact(root, layerV1, digest);
    expect(pushed.digest).toBe(digest);
    const repo = openLayoutRepository(root, REPO);
    expect(await repo.listTags()).toEqual([]);
    expect(await repo.resolve(digest)).toEqual(pushed);
    const untagged = JSON.parse(await readFile(join(root, REPO, "index.json"), "utf8")) as { manifests: object[] };
    expect(untagged.manifests).toEqual([{ mediaType: OCI_IMAGE_MANIFEST, digest, size: bytes.byteLength }]);

    await repo.pushManifest(bytes, OCI_IMAGE_MANIFEST, "1.0");
    const tagged = JSON.parse(await readFile(join(root, REPO, "index.json"), "utf8")) as { manifests: object[] };
    expect(tagged.manifests).toEqual([{ mediaType: OCI_IMAGE_MANIFEST, digest, size: bytes.byteLength, annotations: { [ANNOTATION_REF_NAME]: "1.0" } }]);
  });

  it("keeps index.json and the blobs unchanged when a digest reference does not match", async () => {
    const root = await scratch();
    await pushArtifact(root, layerV1, "1.0");
    const indexPath = join(root, REPO, "index.json");
    const before = await readFile(indexPath);
    const filesBefore = await listFiles(join(root, REPO));

    const repo = openLayoutRepository(root, REPO);
    const otherBytes = manifestFor(layerV2.descriptor);
    await repo.pushBlob(layerV2.descriptor, layerV2.data);
    const wrongDigest = sha256Digest(manifestFor(layerV1.descriptor));
    await expect(repo.pushManifest(otherBytes, OCI_IMAGE_MANIFEST, wrongDigest)).rejects.toThrow(DigestMismatchError);

    expect(await readFile(indexPath)).toEqual(before);
    expect(await repo.hasBlob(sha256Digest(otherBytes))).toBe(false);
    expect(await listFiles(join(root, REPO))).toEqual([...filesBefore, `blobs/sha256/${hex(layerV2.descriptor.digest)}`].sort());
  });

  it("refuses a manifest whose blobs are missing, leaving index.json unchanged", async () => {
    const root = await scratch();
    await pushArtifact(root, layerV1, "1.0");
    const before = await readFile(join(root, REPO, "index.json"));
    const repo = openLayoutRepository(root, REPO);
    await expect(repo.pushManifest(manifestFor(layerV2.descriptor), OCI_IMAGE_MANIFEST, "2.0")).rejects.toThrow(
      new RegExp(`references ${layerV2.descriptor.digest}, which is not in the layout`),
    );
    expect(await readFile(join(root, REPO, "index.json"))).toEqual(before);
  });

  it("detects a corrupted blob on read and repairs it on push", async () => {
    const root = await scratch();
    const manifest = await pushArtifact(root, layerV1, "1.0");
    const repo = openLayoutRepository(root, REPO);
    const layerPath = join(root, REPO, "blobs", "sha256", hex(layerV1.descriptor.digest));
    await writeFile(layerPath, "tampered");
    await expect(repo.fetchBlob(layerV1.descriptor.digest)).rejects.toThrow(DigestMismatchError);

    await writeFile(join(root, REPO, "blobs", "sha256", hex(manifest.digest)), "{}");
    await expect(repo.fetchManifest("1.0")).rejects.toThrow(DigestMismatchError);

    expect(await repo.pushBlob(layerV1.descriptor, layerV1.data)).toBe(true);
    expect(await repo.fetchBlob(layerV1.descriptor.digest)).toEqual(layerV1.data);
  });

  it("sees everything again after reopening from disk", async () => {
    const root = await scratch();
    const v1 = await pushArtifact(root, layerV1, "1.0");
    const v2 = await pushArtifact(root, layerV2, "2.0");
    const reopened = openLayoutRepository(root, REPO);
    expect(await reopened.listTags()).toEqual(["1.0", "2.0"]);
    expect(await reopened.resolve("1.0")).toEqual(v1);
    expect((await reopened.fetchManifest("2.0")).descriptor).toEqual(v2);
    expect(await reopened.fetchBlob(layerV2.descriptor.digest)).toEqual(layerV2.data);
  });

  it("writes byte-identical layouts for the same pushes in a different order", async () => {
    const first = await scratch();
    await pushArtifact(first, layerV1, "1.0");
    await pushArtifact(first, layerV2, "2.0");
    await pushArtifact(first, layerV2, "latest");
    const second = await scratch();
    await pushArtifact(second, layerV2, "latest");
    await pushArtifact(second, layerV2, "2.0");
    await pushArtifact(second, layerV1, "1.0");

    const files = await listFiles(join(first, REPO));
    expect(await listFiles(join(second, REPO))).toEqual(files);
    for (const file of files) {
      expect(await readFile(join(second, REPO, file))).toEqual(await readFile(join(first, REPO, file)));
    }
    const index = JSON.parse(await readFile(join(first, REPO, "index.json"), "utf8")) as { manifests: { annotations: Record<string, string> }[] };
    expect(index.manifests.map((entry) => entry.annotations[ANNOTATION_REF_NAME])).toEqual(["1.0", "2.0", "latest"]);
    expect(files.some((file) => file.includes(".tmp-"))).toBe(false);
  });

  it("keeps fields written by other tools when rewriting index.json", async () => {
    const root = await scratch();
    const dir = join(root, REPO);
    await pushArtifact(root, layerV1, "1.0");
    const platform = { os: "linux", architecture: "amd64" };
    const foreign = {
      schemaVersion: 2,
      annotations: { "org.example": "kept" },
      manifests: [
        { mediaType: OCI_IMAGE_MANIFEST, digest: sha256Digest(manifestFor(layerV1.descriptor)), size: manifestFor(layerV1.descriptor).byteLength, platform, annotations: { [ANNOTATION_REF_NAME]: "1.0" } },
      ],
    };
    await writeFile(join(dir, "index.json"), JSON.stringify(foreign));
    await pushArtifact(root, layerV2, "2.0");
    const index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { annotations: unknown; manifests: { platform?: unknown }[] };
    expect(index.annotations).toEqual({ "org.example": "kept" });
    expect(index.manifests[0]?.platform).toEqual(platform);
  });

  it("refuses to read a directory that is not a layout, but a write turns an empty one into a layout", async () => {
    const root = await scratch();
    await mkdir(join(root, REPO));
    await writeFile(join(root, REPO, "README"), "not a layout");
    const repo = openLayoutRepository(root, REPO);
    await expect(repo.resolve("1.0")).rejects.toThrow(/is not an OCI image layout: it has no oci-layout file/);
    await expect(repo.listTags()).rejects.toThrow(/no oci-layout file/);
    await expect(repo.hasBlob(config.descriptor.digest)).rejects.toThrow(/no oci-layout file/);

    await pushArtifact(root, layerV1, "1.0");
    expect(await repo.listTags()).toEqual(["1.0"]);
  });

  it("refuses an unsupported layout version for reads and writes", async () => {
    const root = await scratch();
    await mkdir(join(root, REPO));
    await writeFile(join(root, REPO, "oci-layout"), '{"imageLayoutVersion":"2.0.0"}');
    await writeFile(join(root, REPO, "index.json"), '{"schemaVersion":2,"manifests":[]}');
    const repo = openLayoutRepository(root, REPO);
    await expect(repo.listTags()).rejects.toThrow(/unsupported imageLayoutVersion "2.0.0"/);
    await expect(repo.pushBlob(config.descriptor, config.data)).rejects.toThrow(/unsupported imageLayoutVersion/);
    await expect(repo.pushManifest(manifestFor(layerV1.descriptor), OCI_IMAGE_MANIFEST, "1.0")).rejects.toThrow(/unsupported imageLayoutVersion/);
  });

  it("refuses a malformed index.json", async () => {
    const root = await scratch();
    await pushArtifact(root, layerV1, "1.0");
    await writeFile(join(root, REPO, "index.json"), '{"schemaVersion":2,"manifests":[{"digest":"nope"}]}');
    await expect(openLayoutRepository(root, REPO).resolve("1.0")).rejects.toThrow(/manifests\[0\] is not a valid descriptor/);
  });

  it("validates repository names, tags and digests", async () => {
    const root = await scratch();
    expect(() => openLayoutRepository(root, "../escape")).toThrow(/not a valid repository name/);
    expect(() => openLayoutRepository(root, "Upper")).toThrow(/not a valid repository name/);
    expect(openLayoutRepository(root, "alga/config").location).toBe(join(root, "alga", "config"));
    const repo = openLayoutRepository(root, REPO);
    await expect(repo.resolve("bad tag")).rejects.toThrow(/neither a tag/);
    await expect(repo.resolve("sha256:xyz")).rejects.toThrow(/not a sha256 digest/);
    await expect(repo.fetchBlob("sha256:../../etc/passwd")).rejects.toThrow(/not a sha256 digest/);
  });
});
