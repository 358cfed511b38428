import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DigestMismatchError } from "../../src/oci/digest.js";
import { InvalidArtifactError } from "../../src/oci/invalid-artifact-error.js";
import { LayoutBlobStore } from "../../src/oci/layout-blob-store.js";
import { openLayoutRepository } from "../../src/oci/layout.js";
import { tempDir } from "../support/temp-dir.js";

const CHUNK = 256 * 1024;

/** `count` chunks of pseudo-random bytes (deterministic), and their digest and size. */
function source(count: number, seed = 1): { digest: string; size: number; chunk(i: number): Uint8Array } {
  const chunk = (i: number) => {
    const out = new Uint8Array(CHUNK);
    let x = (seed * 2654435761 + i * 40503) >>> 0;
    for (let j = 0; j < CHUNK; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[j] = x >>> 24;
    }
    return out;
  };
  const hash = createHash("sha256");
  for (let i = 0; i < count; i++) hash.update(chunk(i));
  return { digest: `sha256:${hash.digest("hex")}`, size: count * CHUNK, chunk };
}

describe("layout blob store: blobs written as streams, checked while written", () => {
  it("writes chunk by chunk: bytes reach the temp file before the source ends, and the file appears only once verified", async () => {
    const dir = tempDir("blob-store-");
    const store = new LayoutBlobStore(dir);
    const blob = source(8);
    const observed: number[] = [];
    async function* chunks() {
      for (let i = 0; i < 8; i++) {
        if (i > 0) {
          // Before chunk i is handed over, the earlier chunks are on disk in a temp file, and the blob itself is not there yet.
          const files = await readdir(join(dir, "blobs", "sha256"));
          const temp = files.find((name) => name.includes(".tmp-"));
          observed.push(temp === undefined ? -1 : (await stat(join(dir, "blobs", "sha256", temp))).size);
          expect(await store.has(blob.digest)).toBe(false);
        }
        yield blob.chunk(i);
      }
    }
    expect(await store.write(blob, chunks(), { what: "test blob" })).toBe(true);
    expect(observed).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => i * CHUNK));
    expect(await store.holds(blob)).toBe(true);
    expect((await stat(store.path(blob.digest))).mode & 0o777).toBe(0o644);
    expect(await readdir(join(dir, "blobs", "sha256"))).toEqual([blob.digest.slice(7)]);
    // A correct copy is kept: nothing is read from the source.
    expect(await store.write(blob, (async function* () { throw new Error("must not be read"); })(), { what: "test blob" })).toBe(false);
  });

  it("stops reading the moment a source runs past the declared size, and stores nothing", async () => {
    const dir = tempDir("blob-store-");
    const store = new LayoutBlobStore(dir);
    const blob = source(4);
    let pulled = 0;
    async function* endless() {
      for (let i = 0; ; i++) {
        pulled++;
        yield blob.chunk(i % 4);
      }
    }
    const error = await store.write(blob, endless(), { what: "blob from a hostile source" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as Error).message).toContain("blob from a hostile source");
    expect(pulled).toBe(5);
    expect(await readdir(join(dir, "blobs", "sha256"))).toEqual([]);
  });

  it("refuses bytes that end short or hash differently, naming both digests, and leaves no file", async () => {
    const dir = tempDir("blob-store-");
    const store = new LayoutBlobStore(dir);
    const blob = source(3);
    const other = source(3, 2);
    async function* from(s: typeof blob, n: number) {
      for (let i = 0; i < n; i++) yield s.chunk(i);
    }
    const short = await store.write(blob, from(blob, 2), { what: "short blob" }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(DigestMismatchError);
    const wrong = (await store.write(blob, from(other, 3), { what: "swapped blob" }).catch((e: unknown) => e)) as DigestMismatchError;
    expect(wrong).toBeInstanceOf(DigestMismatchError);
    expect(wrong.expected).toBe(blob.digest);
    expect(wrong.actual).toBe(other.digest);
    expect(await readdir(join(dir, "blobs", "sha256"))).toEqual([]);
  });

  it("refuses a declared size over the ceiling before reading a byte", async () => {
    const store = new LayoutBlobStore(tempDir("blob-store-"));
    let pulled = 0;
    async function* never() {
      pulled++;
      yield new Uint8Array(1);
    }
    const declared = { digest: `sha256:${"a".repeat(64)}`, size: 100 * 1024 ** 3 };
    await expect(store.write(declared, never(), { what: "image layer", ceiling: 8 * 1024 ** 3 })).rejects.toThrow(InvalidArtifactError);
    expect(pulled).toBe(0);
  });

  it("replaces a corrupt copy with the right bytes", async () => {
    const dir = tempDir("blob-store-");
    const repository = openLayoutRepository(dir, "images");
    const blob = source(2);
    const descriptor = { mediaType: "application/octet-stream", ...blob };
    await repository.pushBlobStream(descriptor, (async function* () { yield blob.chunk(0); yield blob.chunk(1); })());
    const path = repository.blobs.path(blob.digest);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path, "tampered");
    expect(await repository.blobs.holds(blob)).toBe(false);
    expect(await repository.pushBlobStream(descriptor, (async function* () { yield blob.chunk(0); yield blob.chunk(1); })())).toBe(true);
    expect(createHash("sha256").update(await readFile(path)).digest("hex")).toBe(blob.digest.slice(7));
    const stream = await repository.openBlob(blob.digest, blob.size);
    const hash = createHash("sha256");
    for await (const chunk of stream) hash.update(chunk as Buffer);
    expect(`sha256:${hash.digest("hex")}`).toBe(blob.digest);
    await expect(repository.openBlob(blob.digest, blob.size + 1)).rejects.toThrow(DigestMismatchError);
  });
});
