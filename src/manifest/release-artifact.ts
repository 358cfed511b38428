import { rfc3339 } from "../bundle/config-bundle.js";
import { ANNOTATION_CREATED, ANNOTATION_REVISION, ANNOTATION_SOURCE, ANNOTATION_VERSION } from "../oci/annotations.js";
import { buildArtifact, type BuiltArtifact } from "../oci/build-artifact.js";
import { OCI_EMPTY_JSON } from "../oci/media-types.js";
import { RELEASE_ARTIFACT_TYPE, RELEASE_MANIFEST_MEDIA_TYPE, type ReleaseManifest } from "../../schemas/release-manifest.js";


/**
 * The release artifact: an OCI manifest whose config blob is the release manifest JSON
 * (exactly the bytes of dist/<version>/release-manifest.json). It carries no content of its own,
 * so its single layer is the OCI empty descriptor, as the image spec advises for artifacts.
 */
export function buildReleaseArtifact(manifestJson: Uint8Array, manifest: ReleaseManifest, createdEpochSeconds: number): BuiltArtifact {
  return buildArtifact({
    artifactType: RELEASE_ARTIFACT_TYPE,
    config: { mediaType: RELEASE_MANIFEST_MEDIA_TYPE, data: manifestJson },
    layers: [{ mediaType: OCI_EMPTY_JSON, data: new TextEncoder().encode("{}") }],
    annotations: {
      [ANNOTATION_SOURCE]: manifest.source.repository,
      [ANNOTATION_REVISION]: manifest.source.revision,
      [ANNOTATION_CREATED]: rfc3339(createdEpochSeconds),
      [ANNOTATION_VERSION]: manifest.version,
    },
  });
}
