/**
 * The blobs of an OCI image layout: `blobs/sha256/<hex>`, each file content-addressed.
 *
 * Blobs are written as streams: the bytes go to a temp file beside the target while they are
 * hashed and counted, and the file is renamed into place only when its size and digest are the
 * descriptor's. More bytes than the descriptor declares stop the write at once; a source that
 * ends short or hashes differently leaves nothing behind. Memory does not grow with blob size
 * (one chunk at a time), so multi-gigabyte image layers go through as easily as a manifest, and
 * a blob file always hashes to its name.
 */
import { createHash } from "node:crypto";
import { createReadStream, type ReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertDigest, DigestMismatchError } from "./digest.js";
import { ignoreMissing, lstatIfPresent, makeDirectories, readIfPresent, statIfPresent, writeIntoPlace } from "./layout-files.js";
import { assertWithinCeiling } from "./limits.js";
import type { Descriptor } from "./types.js";

/** Bytes to store: already in memory, or a stream of chunks (an HTTP body, a file, a tar entry). */
export type ByteSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface BlobWriteOptions {
  /** Names the blob in messages, e.g. `blob sha256:… pushed to /srv/layout`. */
  readonly what: string;
  /** Refuse a descriptor declaring more than this many bytes before a byte is read. Default: no ceiling. */
  readonly ceiling?: number;
  /** Record the blobs directory here for the caller to sync once, instead of syncing it per blob. */
  readonly deferDirectorySync?: Set<string>;
  /** Told the running count of bytes written, after each chunk. */
  readonly onBytes?: (written: number) => void;
}

export class LayoutBlobStore {
  constructor(readonly layoutDir: string) {}

  path(digest: string): string {
    return join(this.layoutDir, "blobs", "sha256", assertDigest(digest, "blob digest").slice("sha256:".length));
  }

  /** True when a regular file is stored under the digest (not verified: see `holds`). */
  async has(digest: string): Promise<boolean> {
    return lstatIfPresent(this.path(digest))?.isFile() === true;
  }

  /** The stored file's size, or undefined when absent. */
  async sizeOf(digest: string): Promise<number | undefined> {
    const info = lstatIfPresent(this.path(digest));
    return info?.isFile() === true ? info.size : undefined;
  }

  /** True when the stored file has the descriptor's size and hashes to its digest (read as a stream). */
  async holds(descriptor: Pick<Descriptor, "digest" | "size">): Promise<boolean> {
    if ((await this.sizeOf(descriptor.digest)) !== descriptor.size) return false;
    return (await hashFile(this.path(descriptor.digest))) === descriptor.digest;
  }

  /** The whole blob in memory: only for small blobs (manifests, configs); size checked before reading. */
  async read(digest: string, expectedSize: number | undefined, what: string): Promise<Uint8Array | undefined> {
    const path = this.path(digest);
    const info = statIfPresent(path);
    if (info === undefined) return undefined;
    if (expectedSize !== undefined && info.size !== expectedSize) throw new DigestMismatchError(what, { digest, size: expectedSize }, { size: info.size });
    // Read in one go when small (manifests, configs: see layout-files.ts); a large blob is read
    // through the thread pool, so that other transfers of the process go on meanwhile.
    const data = info.size <= SMALL_READ_BYTES ? readIfPresent(path) : await readFile(path).catch(ignoreMissing);
    // A plain Uint8Array view, so callers comparing bytes are not tripped by Buffer's extra identity.
    return data === undefined ? undefined : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  /** The blob as a stream of chunks (not verified; the reader hashes what it consumes). */
  stream(digest: string): ReadStream {
    return createReadStream(this.path(digest), { highWaterMark: STREAM_CHUNK_BYTES });
  }

  /**
   * Stores `source` under `descriptor.digest` unless a correct copy is there (a corrupt or partial
   * copy is replaced). Returns true when bytes were written. The digest and size are checked while
   * the bytes stream; on any mismatch nothing is stored and DigestMismatchError names both.
   */
  async write(descriptor: Pick<Descriptor, "digest" | "size">, source: ByteSource, options: BlobWriteOptions): Promise<boolean> {
    const digest = assertDigest(descriptor.digest, "blob digest");
    if (options.ceiling !== undefined) assertWithinCeiling(descriptor, options.ceiling, options.what);
    if (await this.holds(descriptor)) return false;
    const path = this.path(digest);
    await makeDirectories(dirname(path));
    await writeIntoPlace(
      path,
      async (handle) => {
        const hash = createHash("sha256");
        let written = 0;
        for await (const chunk of chunksOf(source)) {
          written += chunk.byteLength;
          if (written > descriptor.size) {
            throw new DigestMismatchError(options.what, { digest, size: descriptor.size }, { size: written });
          }
          hash.update(chunk);
          await handle.write(chunk);
          options.onBytes?.(written);
        }
        const actual = `sha256:${hash.digest("hex")}`;
        if (written !== descriptor.size || actual !== digest) {
          throw new DigestMismatchError(options.what, { digest, size: descriptor.size }, { digest: actual, size: written });
        }
      },
      options.deferDirectorySync,
    );
    return true;
  }
}

/** Blobs up to this size are read synchronously (a manifest's ceiling is 4 MiB; configs are KBs). */
const SMALL_READ_BYTES = 1024 * 1024;

/** Chunk size for reading blob files: large enough for throughput, small enough to keep memory flat. */
const STREAM_CHUNK_BYTES = 1024 * 1024;

async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  yield* source;
}

/** `sha256:<hex>` of a file, read as a stream; undefined when it vanished meanwhile. */
async function hashFile(path: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) hash.update(chunk as Buffer);
  } catch (error) {
    return ignoreMissing(error as NodeJS.ErrnoException);
  }
  return `sha256:${hash.digest("hex")}`;
}
