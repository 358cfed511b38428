/**
 * Building a release's kit-built image (statusService.build) the way lock, lock --check and publish
 * need it: deterministically, on the default platforms, with its base read from a mirror OCI layout,
 * assembled by the kit from the base definition the release names (kept in the kit's cache), or from
 * the base's own registry (each host its own credentials, as lock reads every image).
 */
import { dirname, resolve } from "node:path";
import { parseImageReference } from "../../schemas/common.js";
import type { LockedReference } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";
import { formatPlatform } from "../image/platform.js";
import type { Deadline } from "../oci/deadline.js";
import { openLayoutMirror } from "../oci/layout-mirror.js";
import type { ContentRepository } from "../oci/types.js";
import type { LoadedRelease } from "../release/load-release.js";
import type { ReferenceRegistries } from "./reference-registries.js";
import { pinnedRuntimeBase } from "./runtime-base.js";
import { buildStatusImage, DEFAULT_PLATFORMS, type BuiltStatusImage, type ServiceBundle } from "./status-service-image.js";

/** What a build needs beyond the release: the service's bundle, the epoch, and where the base is. */
export interface KitImageInputs {
  readonly bundle: ServiceBundle;
  /** SOURCE_DATE_EPOCH. */
  readonly epochSeconds: number;
  /** A directory holding an OCI image layout with the base (by digest): read instead of the base's registry or its definition. */
  readonly baseLayout?: string;
  readonly progress?: (message: string) => void;
}

/** Where a release's base is read from, in this order: --base-layout, the base the kit assembles (build.baseDefinition), the base's registry. */
function baseSource(release: LoadedRelease, inputs: Pick<KitImageInputs, "baseLayout">): string {
  const build = release.definition.statusService.build!;
  if (inputs.baseLayout) return `the mirror layout ${resolve(inputs.baseLayout)} (--base-layout)`;
  if (build.baseDefinition) return `its definition ${baseDefinitionFile(release)}`;
  return "its registry";
}

function baseDefinitionFile(release: LoadedRelease): string {
  return resolve(dirname(release.file), release.definition.statusService.build!.baseDefinition!);
}

/**
 * The repository a release's base is read from when it is not its registry: the --base-layout mirror,
 * or the base the kit assembles from build.baseDefinition (kept in its cache). Undefined: the registry.
 */
export async function releaseBaseRepository(
  release: LoadedRelease,
  inputs: Pick<KitImageInputs, "baseLayout" | "progress">,
  deadline: Deadline | undefined,
): Promise<ContentRepository | undefined> {
  const build = release.definition.statusService.build!;
  if (inputs.baseLayout) return openLayoutMirror(resolve(inputs.baseLayout));
  if (!build.baseDefinition) return undefined;
  const digest = parseImageReference(build.base)?.digest;
  if (!digest) return undefined; // refused by the build with the field named
  return pinnedRuntimeBase(
    baseDefinitionFile(release),
    { digest, field: `${release.file}: statusService.build.base` },
    { ...(deadline ? { deadline } : {}), ...(inputs.progress ? { progress: inputs.progress } : {}) },
  );
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

/** Builds the release's kit-built image in memory (nothing is written anywhere but the built-base cache). */
export async function buildKitImage(release: LoadedRelease, inputs: KitImageInputs, registries: ReferenceRegistries, deadline?: Deadline): Promise<BuiltStatusImage> {
  const build = release.definition.statusService.build!;
  try {
    const base = await releaseBaseRepository(release, inputs, deadline);
    return await buildStatusImage({
      release,
      bundle: inputs.bundle,
      platforms: DEFAULT_PLATFORMS,
      epochSeconds: inputs.epochSeconds,
      registries,
      ...(base ? { baseRepository: base } : {}),
      ...(deadline ? { deadline } : {}),
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new KitImageBuildError(
      `${release.file}: statusService.build.base: cannot build ${release.definition.statusService.image} on ${build.base}, read from ${baseSource(release, inputs)}: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
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
