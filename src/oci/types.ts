/**
 * The content model shared by every OCI target and source (a registry, an image layout).
 * It knows nothing about what the artifacts carry.
 */

/** An OCI content descriptor. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An OCI image manifest (schemaVersion 2), as used for artifacts. */
export interface ImageManifest {
  readonly schemaVersion: 2;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
  readonly subject?: Descriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A manifest as fetched: its verified bytes and the descriptor that addresses them. */
export interface FetchedManifest {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

export interface PushBlobOptions {
  /**
   * The caller has just found the blob absent (`hasBlob`), so the repository need not ask again
   * before uploading (a registry would spend a second HEAD).
   * @default false
   */
  readonly knownAbsent?: boolean;
}

export interface PushManifestOptions {
  /**
   * When pushing to a tag: the digest the tag must point at before the push, or null when it must
   * not exist; otherwise (unless it already points at these very bytes) the push fails with
   * `TagConflictError`. An OCI image layout checks under
   * its lock (a true compare-and-swap). A registry has no such operation: it checks just before
   * the PUT, which narrows a race with another writer but cannot close it, so callers also read
   * the tag back after writing.
   * @default - no check
   */
  readonly ifTagIs?: string | null;
}

/**
 * One repository of content-addressed blobs and manifests, with tags.
 * Implemented by the registry client and by the OCI image layout.
 *
 * Every read is verified against its digest; a mismatch throws `DigestMismatchError`. Content
 * that is not there is `NotFoundError` (not-found-error.ts) from every implementation: `fetchBlob`
 * and `fetchManifest` throw it, `resolve` answers undefined, `hasBlob` false.
 */
export interface ContentRepository {
  /** Human-readable location for messages, e.g. `127.0.0.1:5000/alga/alga-appliance-config`. */
  readonly location: string;

  /** True when the blob is already stored (HEAD for a registry). */
  hasBlob(digest: string): Promise<boolean>;
  /** Stores `data` as a blob; `descriptor.digest` and `size` must match `data`. Skips the upload when present. Returns true when bytes were sent. */
  pushBlob(descriptor: Descriptor, data: Uint8Array, options?: PushBlobOptions): Promise<boolean>;
  /** Reads a blob and verifies it against `digest` (and `size` when given). Absent: NotFoundError. */
  fetchBlob(digest: string, size?: number): Promise<Uint8Array>;

  /** Resolves a tag or digest to the manifest's descriptor; undefined when it does not exist. */
  resolve(reference: string): Promise<Descriptor | undefined>;
  /** Reads a manifest by tag or digest; verified against the digest when one is given or known. Absent: NotFoundError. */
  fetchManifest(reference: string): Promise<FetchedManifest>;
  /** Stores manifest bytes under `reference` (a tag, or its own digest). Returns its descriptor. */
  pushManifest(bytes: Uint8Array, mediaType: string, reference: string, options?: PushManifestOptions): Promise<Descriptor>;

  /** Every tag in the repository, sorted. */
  listTags(): Promise<string[]>;
}
