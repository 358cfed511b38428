/**
 * Building a release's kit-built image (statusService.build) the way lock, lock --check and publish
 * need it: deterministically, on the default platforms, with its base read from the base's own
 * registry (each host its own credentials, as lock reads every image) or from a mirror OCI layout.
 */
import { resolve } from "node:path";
import type { LockedReference } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";
import { formatPlatform } from "../image/platform.js";
import type { Deadline } from "../oci/deadline.js";
import { openLayoutMirror } from "../oci/layout-mirror.js";
import type { LoadedRelease } from "../release/load-release.js";
import type { ReferenceRegistries } from "./reference-registries.js";
import { buildStatusImage, DEFAULT_PLATFORMS, type BuiltStatusImage, type ServiceBundle } from "./status-service-image.js";

/** What a build needs beyond the release: the service's bundle, the epoch, and where the base is. */
export interface KitImageInputs {
  readonly bundle: ServiceBundle;
  /** SOURCE_DATE_EPOCH. */
  readonly epochSeconds: number;
  /** A directory holding an OCI image layout with the base (by digest): read instead of the base's registry. */
  readonly baseLayout?: string;
}

/** A build that failed for a reason outside the release file (the base unreachable or absent): says where the base was read. */
export class KitImageBuildError extends UserError {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "KitImageBuildError";
  }
}

/** Builds the release's kit-built image in memory (nothing is written anywhere). */
export async function buildKitImage(release: LoadedRelease, inputs: KitImageInputs, registries: ReferenceRegistries, deadline?: Deadline): Promise<BuiltStatusImage> {
  const build = release.definition.statusService.build!;
  const from = inputs.baseLayout ? `the mirror layout ${resolve(inputs.baseLayout)} (--base-layout)` : "its registry";
  return buildStatusImage({
    release,
    bundle: inputs.bundle,
    platforms: DEFAULT_PLATFORMS,
    epochSeconds: inputs.epochSeconds,
    registries,
    ...(inputs.baseLayout ? { baseRepository: openLayoutMirror(resolve(inputs.baseLayout)) } : {}),
    ...(deadline ? { deadline } : {}),
  }).catch((error: unknown) => {
    if (error instanceof UserError) throw error;
    throw new KitImageBuildError(
      `${release.file}: statusService.build.base: cannot build ${release.definition.statusService.image} on ${build.base}, read from ${from}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  });
}

/** The lock entry of a built image: its index digest and platforms, and what it was built from. */
export function builtLockEntry(reference: string, built: BuiltStatusImage): LockedReference {
  const index = built.image.index.descriptor;
  return {
    reference,
    digest: index.digest,
    mediaType: index.mediaType,
    platforms: built.image.platforms.map((image) => formatPlatform(image.platform)),
    built: { base: built.base.descriptor.digest, layer: built.image.layer.blob.descriptor.digest },
  };
}
