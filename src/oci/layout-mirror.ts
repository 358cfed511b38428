import { isDigest, sha256Digest } from "./digest.js";
import { InvalidArtifactError } from "./invalid-artifact-error.js";
import { OciLayoutRepository } from "./layout.js";
import { MAX_MANIFEST_BYTES } from "./limits.js";
import { NotFoundError } from "./not-found-error.js";
import type { ContentRepository, FetchedManifest } from "./types.js";

/**
 * An OCI image layout someone else wrote (e.g. `skopeo copy --all … oci:DIR`), read as a mirror:
 * index.json lists only the top of an image, so a manifest it does not list is read by digest from
 * blobs/ (its bytes are checked against the digest, its media type taken from its own mediaType).
 * Read-only use: nothing is written through it.
 */
export function openLayoutMirror(layoutDir: string): ContentRepository {
  const layout = new OciLayoutRepository(layoutDir);
  const fetchManifest = async (reference: string): Promise<FetchedManifest> => {
    try {
      return await layout.fetchManifest(reference);
    } catch (error) {
      if (!(error instanceof NotFoundError) || !isDigest(reference)) throw error;
      const size = await layout.blobs.sizeOf(reference);
      if (size === undefined) throw error;
      if (size > MAX_MANIFEST_BYTES) throw new InvalidArtifactError(`manifest ${reference} in ${layoutDir} is ${size} bytes, over the ceiling of ${MAX_MANIFEST_BYTES} bytes; refusing to read it`);
      const bytes = await layout.fetchBlob(reference, size);
      let mediaType: unknown;
      try {
        mediaType = (JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as { mediaType?: unknown }).mediaType;
      } catch {
        // reported below
      }
      if (typeof mediaType !== "string") throw new InvalidArtifactError(`blob ${reference} in ${layoutDir} is not a manifest naming its mediaType`);
      return { descriptor: { mediaType, digest: sha256Digest(bytes), size }, bytes };
    }
  };
  const readOnly = (what: string) => () => Promise.reject(new Error(`${layoutDir} is read as a mirror: ${what} is not written through it`));
  return {
    location: layout.location,
    hasBlob: (digest) => layout.hasBlob(digest),
    fetchBlob: (digest, size) => layout.fetchBlob(digest, size),
    resolve: async (reference) => (await layout.resolve(reference)) ?? (isDigest(reference) ? (await fetchManifest(reference).catch(() => undefined))?.descriptor : undefined),
    fetchManifest,
    listTags: () => layout.listTags(),
    pushBlob: readOnly("a blob"),
    pushManifest: readOnly("a manifest"),
  };
}
