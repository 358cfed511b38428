/**
 * An OCI image layout (image-spec `image-layout.md`) used as a ContentRepository.
 *
 * Repository `name` under `rootDir` is the layout directory `<rootDir>/<name>/`, so tools
 * can address it as `--oci-layout <rootDir>/<name>:<tag>`. Tags are `index.json` entries
 * annotated with `org.opencontainers.image.ref.name`.
 *
 * The parts live beside this file: the blob store (streams checked against their digest while
 * written: layout-blob-store.ts), the index and its deterministic bytes (layout-index.ts), and
 * the writers' lock (layout-lock.ts). Crash safety: every file is written to a temp file in its
 * own directory, fsynced and renamed over the target, so a reader sees the old or the new file,
 * never a torn one, and a blob file always hashes to its name; index.json only changes after the
 * blobs it references are in place. The layout itself appears all at once (built in a temporary
 * sibling and renamed into place), so a reader never meets a directory without its `oci-layout`
 * marker.
 */
import type { ReadStream } from "node:fs";
import { chmod, mkdtemp, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { syncDirectory } from "../fs/sync-directory.js";
import type { Deadline } from "./deadline.js";
import { assertDigest, DigestMismatchError, sha256Digest, verifyContent } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { NotFoundError } from "./not-found-error.js";
import { LayoutBlobStore, type ByteSource } from "./layout-blob-store.js";
import { DIRECTORY_MODE, lstatIfPresent, makeDirectories, readIfPresent, writeFileAtomic } from "./layout-files.js";
import {
  addUntagged,
  INDEX_FILE,
  parseIndex,
  parseReference,
  referencedDigests,
  refNameOf,
  retag,
  serializeIndex,
  toDescriptor,
  compareUtf8,
  type IndexDocument,
} from "./layout-index.js";
import { withLayoutLock } from "./layout-lock.js";
import { MAX_MANIFEST_BYTES } from "./limits.js";
import { REPOSITORY_NAME_PATTERN } from "./registry-reference.js";
import { TagConflictError } from "./tag-conflict-error.js";
import type { ContentRepository, Descriptor, FetchedManifest, PushManifestOptions } from "./types.js";

export const OCI_LAYOUT_VERSION = "1.0.0";
export const OCI_LAYOUT_FILE = "oci-layout";

export interface LayoutOptions {
  /** The command's overall deadline: waiting for another writer's lock fits inside it. Default: none (60 s). */
  readonly deadline?: Deadline;
}

export interface PushBlobStreamOptions {
  /** Refuse a descriptor declaring more than this before reading a byte. Default: no ceiling. */
  readonly ceiling?: number;
  /** Told the running count of bytes written. */
  readonly onBytes?: (written: number) => void;
}

/** Opens (without touching the disk) the layout for `repositoryName` under `rootDir`. */
export function openLayoutRepository(rootDir: string, repositoryName: string, options: LayoutOptions = {}): OciLayoutRepository {
  // The repository name grammar also keeps names from escaping rootDir.
  if (!REPOSITORY_NAME_PATTERN.test(repositoryName)) {
    throw new Error(`"${repositoryName}" is not a valid repository name (lowercase letters, digits, separators . _ __ - and /)`);
  }
  return new OciLayoutRepository(join(resolve(rootDir), ...repositoryName.split("/")), options);
}

export class OciLayoutRepository implements ContentRepository {
  readonly location: string;
  readonly blobs: LayoutBlobStore;

  /** `layoutDir` is the directory holding `oci-layout`, `index.json` and `blobs/`. */
  constructor(
    readonly layoutDir: string,
    private readonly options: LayoutOptions = {},
  ) {
    this.location = layoutDir;
    this.blobs = new LayoutBlobStore(layoutDir);
  }

  async hasBlob(digest: string): Promise<boolean> {
    assertDigest(digest);
    if (!(await this.readableLayoutExists())) return false;
    return this.blobs.has(digest);
  }

  async pushBlob(descriptor: Descriptor, data: Uint8Array): Promise<boolean> {
    // Bytes in memory are checked before the layout is touched, so a refused push creates nothing.
    verifyContent(data, assertDigest(descriptor.digest, "blob digest"), `blob pushed to ${this.location}`, descriptor.size);
    return this.pushBlobStream(descriptor, data);
  }

  /**
   * Stores a blob from a stream of chunks, checking size and digest while it is written: memory
   * stays one chunk whatever the blob's size. Returns true when bytes were written (false when a
   * correct copy was there already).
   */
  async pushBlobStream(descriptor: Descriptor, source: ByteSource, options: PushBlobStreamOptions = {}): Promise<boolean> {
    assertDigest(descriptor.digest, "blob digest");
    if (this.batchIndex && !this.markerPresent()) await this.ensureLayout();
    else await this.create();
    return this.blobs.write(descriptor, source, {
      what: `blob ${descriptor.digest} pushed to ${this.location}`,
      ...(options.ceiling !== undefined ? { ceiling: options.ceiling } : {}),
      ...(options.onBytes ? { onBytes: options.onBytes } : {}),
      // Inside a batch the blobs directory is synced once, before index.json refers to the blobs.
      ...(this.batchIndex ? { deferDirectorySync: this.batchIndex.directoriesToSync } : {}),
    });
  }

  /**
   * Makes sure the layout exists and is one this code reads: a missing one is created whole (empty
   * index.json and marker), under the lock; one with an unsupported marker is refused.
   */
  async create(): Promise<void> {
    if (this.markerPresent()) await this.assertLayoutVersion();
    else await this.locked(() => this.ensureLayout());
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    assertDigest(digest);
    const data = await this.readBlob(digest, size);
    const actual = sha256Digest(data);
    if (actual !== digest) throw new DigestMismatchError(`blob ${digest} in ${this.location}`, { digest, ...(size !== undefined ? { size } : {}) }, { digest: actual, size: data.byteLength });
    return data;
  }

  /** A blob as a stream (its size checked first; the reader verifies the digest of what it consumes). */
  async openBlob(digest: string, size: number): Promise<ReadStream> {
    assertDigest(digest);
    if (!(await this.readableLayoutExists())) throw this.missingBlob(digest);
    const stored = await this.blobs.sizeOf(digest);
    if (stored === undefined) throw this.missingBlob(digest);
    if (stored !== size) throw new DigestMismatchError(`blob ${digest} in ${this.location}`, { digest, size }, { size: stored });
    return this.blobs.stream(digest);
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    const parsed = parseReference(reference);
    const index = this.batchIndex?.index ?? (await this.readIndex());
    const entry = index.manifests.find((candidate) =>
      parsed.kind === "tag" ? refNameOf(candidate) === parsed.value : candidate.digest === parsed.value,
    );
    return entry === undefined ? undefined : toDescriptor(entry);
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference);
    if (descriptor === undefined) throw new NotFoundError("manifest", reference, this.location, `manifest "${reference}" not found in ${this.location}`);
    assertDigest(descriptor.digest, `digest of manifest "${reference}"`);
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new InvalidArtifactError(`manifest "${reference}" in ${this.location} is described as ${descriptor.size} bytes, over the ceiling of ${MAX_MANIFEST_BYTES} bytes; refusing to read it`);
    }
    const bytes = await this.readBlob(descriptor.digest, descriptor.size);
    const actual = sha256Digest(bytes);
    if (actual !== descriptor.digest) throw new DigestMismatchError(`manifest "${reference}" in ${this.location}`, { digest: descriptor.digest, size: descriptor.size }, { digest: actual, size: bytes.byteLength });
    return { descriptor, bytes };
  }

  async pushManifest(bytes: Uint8Array, mediaType: string, reference: string, options: PushManifestOptions = {}): Promise<Descriptor> {
    if (mediaType === "") throw new Error("a manifest needs a media type");
    const digest = sha256Digest(bytes);
    const parsed = parseReference(reference);
    if (parsed.kind === "digest" && parsed.value !== digest) {
      throw new DigestMismatchError(`manifest pushed to ${this.location} as ${reference}`, reference, digest);
    }
    const write = async () => {
      // Everything that can refuse the push runs before the first write.
      const index = this.batchIndex?.index ?? (await this.readIndexForWrite());
      await this.assertReferencedBlobsPresent(bytes, mediaType);
      if (parsed.kind === "tag" && options.ifTagIs !== undefined) {
        // Under the lock this is a true compare-and-swap: nobody moves the tag between check and write.
        const current = index.manifests.find((entry) => refNameOf(entry) === parsed.value)?.digest ?? null;
        if (current !== options.ifTagIs && current !== digest) throw new TagConflictError(`${this.location}:${parsed.value}`, options.ifTagIs, current, digest);
      }

      await this.ensureLayout();
      await this.blobs.write({ digest, size: bytes.byteLength }, bytes, {
        what: `manifest ${digest} pushed to ${this.location}`,
        ...(this.batchIndex ? { deferDirectorySync: this.batchIndex.directoriesToSync } : {}),
      });

      const descriptor: Descriptor = { mediaType, digest, size: bytes.byteLength };
      const manifests =
        parsed.kind === "tag" ? retag(index.manifests, descriptor, parsed.value) : addUntagged(index.manifests, descriptor);
      if (this.batchIndex) this.batchIndex = { ...this.batchIndex, index: { extra: index.extra, manifests }, dirty: true };
      else await this.writeIndex({ extra: index.extra, manifests });
      return descriptor;
    };
    // Inside a batch the lock is already held (it is not re-entrant).
    return this.batchIndex ? write() : this.locked(write);
  }

  /**
   * Runs `work` holding this layout's lock, with every index.json change it makes kept in memory
   * and written once at the end: one index.json write per repository per publish, and other
   * writers see all of a publish's tags or none. Reads inside `work` see its changes. If `work`
   * fails, index.json stays as it was (blob files already written stay, unreferenced and harmless).
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    if (this.batchIndex) return work();
    return this.locked(async () => {
      this.batchIndex = { index: await this.readIndexForWrite(), dirty: false, directoriesToSync: new Set() };
      try {
        const result = await work();
        for (const directory of this.batchIndex.directoriesToSync) await syncDirectory(directory);
        if (this.batchIndex.dirty) {
          await this.ensureLayout();
          await this.writeIndex(this.batchIndex.index);
        }
        return result;
      } finally {
        this.batchIndex = undefined;
      }
    });
  }

  /** Set while `batch` holds the lock: the index as the batch has changed it so far. */
  private batchIndex: { index: IndexDocument; dirty: boolean; readonly directoriesToSync: Set<string> } | undefined;

  private locked<T>(work: () => Promise<T>): Promise<T> {
    return withLayoutLock(this.layoutDir, this.options.deadline, work);
  }

  private markerPresent(): boolean {
    return lstatIfPresent(join(this.layoutDir, OCI_LAYOUT_FILE)) !== undefined;
  }

  async listTags(): Promise<string[]> {
    const index = this.batchIndex?.index ?? (await this.readIndex());
    const tags = new Set<string>();
    for (const entry of index.manifests) {
      const tag = refNameOf(entry);
      if (tag !== undefined) tags.add(tag);
    }
    return [...tags].sort(compareUtf8);
  }

  /**
   * False when the layout directory does not exist yet (an empty repository); throws when
   * something is there but is not a layout this code understands.
   */
  private async readableLayoutExists(): Promise<boolean> {
    const info = lstatIfPresent(this.layoutDir);
    if (info === undefined) return false;
    if (!info.isDirectory()) throw new InvalidArtifactError(`${this.layoutDir} is not an OCI image layout: it is not a directory`);
    await this.assertLayoutVersion();
    return true;
  }

  private async assertLayoutVersion(): Promise<boolean> {
    const path = join(this.layoutDir, OCI_LAYOUT_FILE);
    const text = readIfPresent(path)?.toString("utf8");
    if (text === undefined) {
      return fail(`${this.layoutDir} is not an OCI image layout: it has no ${OCI_LAYOUT_FILE} file`);
    }
    let version: unknown;
    try {
      version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
    } catch {
      return fail(`${path} is not valid JSON`);
    }
    if (version !== OCI_LAYOUT_VERSION) {
      return fail(`${this.layoutDir} has unsupported imageLayoutVersion ${JSON.stringify(version)} (supported: ${OCI_LAYOUT_VERSION})`);
    }
    return true;
  }

  private missingBlob(digest: string): NotFoundError {
    return new NotFoundError("blob", digest, this.location);
  }

  /** Reads a small blob whole; one whose size is not `expectedSize` is refused before it is read. */
  private async readBlob(digest: string, expectedSize?: number): Promise<Uint8Array> {
    if (!(await this.readableLayoutExists())) throw this.missingBlob(digest);
    const data = await this.blobs.read(digest, expectedSize, `blob ${digest} in ${this.location}`);
    if (data === undefined) throw this.missingBlob(digest);
    return data;
  }

  private async readIndex(): Promise<IndexDocument> {
    if (!(await this.readableLayoutExists())) return { extra: {}, manifests: [] };
    const path = join(this.layoutDir, INDEX_FILE);
    const text = readIfPresent(path)?.toString("utf8");
    if (text === undefined) throw new InvalidArtifactError(`${this.layoutDir} is not a complete OCI image layout: ${INDEX_FILE} is missing`);
    return parseIndex(text, path);
  }

  /**
   * Like readIndex, but a directory that is not a layout yet is about to become one:
   * only a marker with an unsupported version stops the write.
   */
  private async readIndexForWrite(): Promise<IndexDocument> {
    if (this.markerPresent()) return this.readIndex();
    const path = join(this.layoutDir, INDEX_FILE);
    const text = readIfPresent(path)?.toString("utf8");
    return text === undefined ? { extra: {}, manifests: [] } : parseIndex(text, path);
  }

  private async writeIndex(index: IndexDocument): Promise<void> {
    await writeFileAtomic(join(this.layoutDir, INDEX_FILE), new TextEncoder().encode(serializeIndex(index)));
  }

  /**
   * Creates the layout skeleton (called under the lock). A new layout is built in a temporary
   * sibling and renamed into place, so it appears complete or not at all. A directory already
   * there (made by hand, or left by a crash) is completed in place: index.json is written before
   * oci-layout, so a layout marker on disk always comes with an index.
   */
  private async ensureLayout(): Promise<void> {
    if (lstatIfPresent(this.layoutDir) === undefined) {
      await makeDirectories(dirname(this.layoutDir));
      const building = await mkdtemp(join(dirname(this.layoutDir), `.${basename(this.layoutDir)}.new-`));
      try {
        await chmod(building, DIRECTORY_MODE);
        await new OciLayoutRepository(building).ensureLayout();
        await rename(building, this.layoutDir);
        await syncDirectory(dirname(this.layoutDir));
        return;
      } catch (error) {
        await rm(building, { recursive: true, force: true });
        throw error;
      }
    }
    await makeDirectories(join(this.layoutDir, "blobs", "sha256"));
    if (this.markerPresent()) {
      await this.assertLayoutVersion();
      return;
    }
    if (lstatIfPresent(join(this.layoutDir, INDEX_FILE)) === undefined) await this.writeIndex({ extra: {}, manifests: [] });
    await writeFileAtomic(
      join(this.layoutDir, OCI_LAYOUT_FILE),
      new TextEncoder().encode(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })),
    );
  }

  /** A registry refuses manifests whose blobs it lacks; the layout does too, so it is always complete. */
  private async assertReferencedBlobsPresent(bytes: Uint8Array, mediaType: string): Promise<void> {
    for (const digest of referencedDigests(bytes, mediaType, `manifest pushed to ${this.location}`)) {
      const present = digest.startsWith("sha256:") && (await this.blobs.has(digest));
      if (!present) {
        throw new InvalidArtifactError(`manifest pushed to ${this.location} references ${digest}, which is not in the layout; push it first`);
      }
    }
  }
}

function fail(message: string): never {
  throw new InvalidArtifactError(message);
}
