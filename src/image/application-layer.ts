import { deterministicGzip } from "../bundle/gzip.js";
import { createDeterministicTar } from "../bundle/tar-writer.js";
import { blobOf, type Blob } from "../oci/build-artifact.js";
import { sha256Digest } from "../oci/digest.js";
import { OCI_IMAGE_LAYER_GZIP } from "../oci/media-types.js";

/** A file of the application layer, its path relative to the image's root. */
export interface LayerFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly executable?: boolean;
}

export interface ApplicationLayerOptions {
  /** Owner of every entry: the user the image runs as, so it can read what it runs. */
  readonly uid: number;
  readonly gid: number;
  /** Every entry's mtime, seconds since the epoch (SOURCE_DATE_EPOCH). */
  readonly mtime: number;
}

/** One image layer: the compressed blob the manifest lists and the uncompressed digest the config lists. */
export interface ApplicationLayer {
  readonly blob: Blob;
  /** `rootfs.diff_ids` entry: the digest of the uncompressed tar. */
  readonly diffId: string;
}

/**
 * The layer holding the application: the same deterministic tar (sorted entries, fixed modes and
 * mtime, no owner names) and gzip as the config bundle, owned by the runtime user. Parent
 * directories are entries of their own, so the layer alone decides their owner and mode.
 */
export function buildApplicationLayer(files: readonly LayerFile[], options: ApplicationLayerOptions): ApplicationLayer {
  const tar = createDeterministicTar(
    files.map((file) => ({ type: "file" as const, path: file.path, data: file.data, ...(file.executable ? { executable: true } : {}) })),
    { mtime: options.mtime, owner: { uid: options.uid, gid: options.gid } },
  );
  return { blob: blobOf(OCI_IMAGE_LAYER_GZIP, deterministicGzip(tar)), diffId: sha256Digest(tar) };
}
