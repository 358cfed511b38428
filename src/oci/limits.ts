/**
 * Size ceilings for what this client reads into memory. A descriptor's `size` is only a claim made
 * by whoever wrote the manifest, so these are checked before a byte is read, whatever it claims.
 */

/** Manifests (the distribution spec lets registries refuse bigger ones; we refuse to read them). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Config blobs, e.g. the release manifest JSON: a few KiB in practice. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Cap for a blob fetched without a known size. */
export const MAX_UNSIZED_BLOB_BYTES = 512 * 1024 * 1024;
