import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deterministicGzip } from "../../src/bundle/gzip.js";
import type { ReleaseStore } from "../../src/distribution/release-store.js";
import { buildReleaseArtifact } from "../../src/manifest/release-artifact.js";
import { buildArtifact, type BuiltArtifact } from "../../src/oci/build-artifact.js";
import { FLUX_CONFIG_MEDIA_TYPE, FLUX_CONTENT_MEDIA_TYPE } from "../../src/oci/media-types.js";
import type { ContentRepository } from "../../src/oci/types.js";
import { stagedDist } from "./staged-releases.js";

export async function pushArtifact(repository: ContentRepository, artifact: BuiltArtifact, tag: string): Promise<void> {
  for (const blob of [artifact.config, ...artifact.layers]) await repository.pushBlob(blob.descriptor, blob.data);
  await repository.pushManifest(artifact.manifest.data, artifact.manifest.descriptor.mediaType, tag);
}

export interface HostileReleaseOptions {
  /** The bundle layer as a tar (gzipped here) ... */
  readonly tar?: Uint8Array;
  /** ... or its exact bytes (e.g. not gzip at all). */
  readonly layer?: Uint8Array;
  /** Edits the release manifest JSON before it is stored. */
  readonly edit?: (manifest: any) => void;
}

/** Publishes 1.0-rc5 into `store` with a crafted bundle layer and/or an edited release manifest: what a compromised store could serve. */
export async function publishHostileRelease(store: ReleaseStore, options: HostileReleaseOptions): Promise<{ bundle: BuiltArtifact; release: BuiltArtifact }> {
  const dist = await stagedDist(["1.0-rc5"]);
  const manifest = JSON.parse(readFileSync(join(dist, "1.0-rc5", "release-manifest.json"), "utf8"));
  const layer = options.layer ?? deterministicGzip(options.tar ?? new Uint8Array(1024));
  const bundle = buildArtifact({
    config: { mediaType: FLUX_CONFIG_MEDIA_TYPE, data: new TextEncoder().encode("{}") },
    layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: layer }],
  });
  manifest.configBundle.digest = bundle.manifest.descriptor.digest;
  manifest.configBundle.size = bundle.manifest.descriptor.size;
  manifest.configBundle.layerDigest = bundle.layers[0]!.descriptor.digest;
  options.edit?.(manifest);
  const json = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const release = buildReleaseArtifact(json, manifest, 0);
  await pushArtifact(store.config, bundle, "1.0-rc5");
  await pushArtifact(store.release, release, "1.0-rc5");
  return { bundle, release };
}
