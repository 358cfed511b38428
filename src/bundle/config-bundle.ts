import { ANNOTATION_CREATED, ANNOTATION_REVISION, ANNOTATION_SOURCE } from "../oci/annotations.js";
import { buildArtifact, type BuiltArtifact } from "../oci/build-artifact.js";
import { FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE } from "../oci/media-types.js";
import { deterministicGzip } from "./gzip.js";
import { createDeterministicTar } from "./tar-writer.js";

export interface ConfigBundleInput {
  /** Files of the tree, paths relative to its root. */
  readonly files: readonly { readonly path: string; readonly data: Uint8Array }[];
  readonly source: string;
  readonly revision: string;
  /** Seconds since the epoch: the entries' mtime and the `created` annotation. */
  readonly createdEpochSeconds: number;
}

/** `created` as RFC 3339 UTC, independent of the time zone. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * A Flux config bundle: one deterministic tar+gzip layer of the tree, Flux's config media type,
 * source/revision/created annotations. The same tree and inputs give the same digests anywhere.
 */
export function buildConfigBundle(input: ConfigBundleInput): BuiltArtifact {
  const tar = createDeterministicTar(
    input.files.map((file) => ({ type: "file" as const, path: file.path, data: file.data })),
    { mtime: input.createdEpochSeconds },
  );
  return buildArtifact({
    config: { mediaType: FLUX_CONFIG_MEDIA_TYPE, data: new TextEncoder().encode("{}") },
    layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: deterministicGzip(tar) }],
    annotations: {
      [ANNOTATION_SOURCE]: input.source,
      [ANNOTATION_REVISION]: input.revision,
      [ANNOTATION_CREATED]: rfc3339(input.createdEpochSeconds),
    },
  });
}
