import { InvalidArtifactError } from "./invalid-artifact-error.js";

/**
 * Size ceilings for what this client reads into memory. A descriptor's `size` is only a claim made
 * by whoever wrote the manifest, so these are checked before a byte is read, whatever it claims.
 */

/** Manifests (the distribution spec lets registries refuse bigger ones; we refuse to read them). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Config blobs, e.g. the release manifest JSON: a few KiB in practice. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** The config bundle's one layer (compressed); the decompressed tree has its own cap in src/bundle. */
export const MAX_LAYER_BYTES = 256 * 1024 * 1024;
/** Cap for a blob fetched without a known size. */
export const MAX_UNSIZED_BLOB_BYTES = 512 * 1024 * 1024;

/** Refuses a descriptor whose declared size passes `ceiling`, before a byte of it is read. */
export function assertWithinCeiling(descriptor: { readonly size: number; readonly digest: string }, ceiling: number, what: string): void {
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new InvalidArtifactError(`${what} ${descriptor.digest}: its size ${String(descriptor.size)} is not a byte count`);
  }
  if (descriptor.size > ceiling) {
    throw new InvalidArtifactError(
      `${what} ${descriptor.digest} is described as ${descriptor.size} bytes, over the ceiling of ${ceiling} bytes (${ceiling / 1024 / 1024} MiB); refusing to read it`,
    );
  }
}

/**
 * A tag list as a whole, across its pages: a registry whose `next` links never end, or whose pages
 * are huge, would otherwise hold a command until its deadline and grow its memory without bound.
 * Far above any real release repository (a few tags per release).
 */
export const TAG_LIST_LIMITS = {
  /** Pages followed along `Link: rel="next"`. */
  pages: 2_000,
  /** Tags in all pages together. */
  tags: 200_000,
  /** Response bytes of all pages together. */
  bytes: 32 * 1024 * 1024,
} as const;
