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

/**
 * One repository of content-addressed blobs and manifests, with tags.
 * Implemented by the registry client and by the OCI image layout.
 *
 * Every read is verified against its digest; a mismatch throws `DigestMismatchError`.
 */
export interface ContentRepository {
  /** Human-readable location for messages, e.g. `127.0.0.1:5000/alga/alga-appliance-config`. */
  readonly location: string;

  /** True when the blob is already stored (HEAD for a registry). */
  hasBlob(digest: string): Promise<boolean>;
  /** Stores `data` as a blob; `descriptor.digest` and `size` must match `data`. Skips the upload when present. Returns true when bytes were sent. */
  pushBlob(descriptor: Descriptor, data: Uint8Array): Promise<boolean>;
  /** Reads a blob and verifies it against `digest` (and `size` when given). */
  fetchBlob(digest: string, size?: number): Promise<Uint8Array>;

  /** Resolves a tag or digest to the manifest's descriptor; undefined when it does not exist. */
  resolve(reference: string): Promise<Descriptor | undefined>;
  /** Reads a manifest by tag or digest; verified against the digest when one is given or known. */
  fetchManifest(reference: string): Promise<FetchedManifest>;
  /** Stores manifest bytes under `reference` (a tag, or its own digest). Returns its descriptor. */
  pushManifest(bytes: Uint8Array, mediaType: string, reference: string): Promise<Descriptor>;

  /** Every tag in the repository, sorted. */
  listTags(): Promise<string[]>;
}
