/**
 * One repository of a verified archive as a read-only ContentRepository, so the release and its
 * signatures are checked with the same code as a pull (resolveRelease, verifyReleaseSignatures)
 * before import writes anything.
 */
import { sha256Digest } from "../oci/digest.js";
import { InvalidArtifactError } from "../oci/invalid-artifact-error.js";
import type { ContentRepository, Descriptor, FetchedManifest } from "../oci/types.js";
import { parseArchiveReference } from "./archive-reference.js";
import { readRange, type VerifiedArchive } from "./read-archive.js";

/** The archive's release-store repositories hold small artifacts: blobs are read whole, up to this. */
const MAX_STORE_BLOB_BYTES = 512 * 1024 * 1024;

export class ArchiveRepository implements ContentRepository {
  readonly location: string;

  /**
   * `name` as the archive names the repository: `alga-appliance-release`, or `host/path`.
   * `pending`: tags the import is about to write (a channel), so a channel is checked as pull
   * would see it once imported.
   */
  constructor(
    private readonly archive: VerifiedArchive,
    private readonly name: string,
    private readonly pending: ReadonlyMap<string, Descriptor> = new Map(),
  ) {
    this.location = `${archive.file}:${name}`;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return this.archive.blobs.has(digest);
  }

  async pushBlob(): Promise<boolean> {
    throw new Error(`${this.location} is read-only`);
  }

  async pushManifest(): Promise<Descriptor> {
    throw new Error(`${this.location} is read-only`);
  }

  async fetchBlob(digest: string, size?: number): Promise<Uint8Array> {
    const entry = this.archive.blobs.get(digest);
    if (entry === undefined) throw new InvalidArtifactError(`blob ${digest} not found in ${this.location}`);
    if (size !== undefined && entry.size !== size) throw new InvalidArtifactError(`blob ${digest} in ${this.location} is ${entry.size} bytes, not ${size}`);
    if (entry.size > MAX_STORE_BLOB_BYTES) throw new InvalidArtifactError(`blob ${digest} in ${this.location} is too large to read whole`);
    // Already verified when the archive was read; verified again, as every read is.
    const data = await readRange(this.archive.file, entry);
    if (sha256Digest(data) !== digest) throw new InvalidArtifactError(`blob ${digest} in ${this.location} changed since it was verified`);
    return data;
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    if (reference.startsWith("sha256:")) return this.archive.manifests.get(reference)?.descriptor;
    const pending = this.pending.get(reference);
    if (pending) return pending;
    const entry = this.archive.entries.find((candidate) => candidate.reference === `${this.name}:${reference}`);
    return entry?.descriptor;
  }

  async fetchManifest(reference: string): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference);
    const manifest = descriptor ? this.archive.manifests.get(descriptor.digest) : undefined;
    if (manifest === undefined) throw new InvalidArtifactError(`manifest ${reference} not found in ${this.location}`);
    return { descriptor: manifest.descriptor, bytes: manifest.bytes };
  }

  async listTags(): Promise<string[]> {
    return this.archive.entries
      .map((entry) => parseArchiveReference(entry.reference))
      .filter((parsed) => parsed.tag !== undefined && (parsed.host === undefined ? parsed.repository : `${parsed.host}/${parsed.repository}`) === this.name)
      .map((parsed) => parsed.tag!)
      .sort();
  }
}
