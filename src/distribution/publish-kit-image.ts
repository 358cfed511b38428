/**
 * Publish's part for the image the kit builds (statusService.build): the release pins the digest
 * `lock` built, so publish makes that exact image exist beside the release before the release's
 * manifest and tags are written. An image the target already holds under its version tag is
 * found, not rebuilt, and nothing is uploaded; otherwise it is built, compared with the lock
 * (a different digest is refused: the release would pin an image that is not there) and pushed.
 */
import { UserError } from "../errors.js";
import type { Deadline } from "../oci/deadline.js";
import type { LoadedRelease } from "../release/load-release.js";
import type { SigningKey } from "../signing/signing-keys.js";
import { kitBuiltReference, lockedBuild } from "../synth/kit-built-image.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { buildKitImage, builtLockEntry, type KitImageInputs } from "./kit-image-build.js";
import type { ReferenceRegistries } from "./reference-registries.js";
import type { BuiltStatusImage } from "./status-service-image.js";
import { pushStatusImage } from "./status-service-image.js";
import type { StatusImageTarget } from "./status-image-target.js";
import { assertTagHolds } from "./tag-read-back.js";

/** What publish will do with one release's kit-built image, decided before anything is uploaded. */
export interface KitImagePlan {
  readonly version: string;
  /** registry/repository:tag as the release names it (the rendered Deployment's image, without digest). */
  readonly reference: string;
  /** The digest the lock recorded building, which the staged release pins. */
  readonly digest: string;
  readonly target: StatusImageTarget;
  /** The target already holds it under its version tag, or it was built here (and equals the lock). */
  readonly built?: BuiltStatusImage;
}

export interface KitImagePublished {
  /** Where it is: `<target>/alga-appliance-status:<version>@<digest>`. */
  readonly reference: string;
  readonly digest: string;
  readonly alreadyPresent: boolean;
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
}

/**
 * Plans the kit-built image of `release` (undefined when the kit builds none): checks the lock
 * records its build and the staged release pins exactly that digest, finds it in the target or
 * builds it and checks the build equals the lock.
 */
export async function planKitImage(
  release: LoadedRelease,
  staged: readonly ReleaseReference[],
  target: StatusImageTarget,
  options: { inputs: () => KitImageInputs; registries: ReferenceRegistries; deadline?: Deadline; progress?: (message: string) => void },
): Promise<KitImagePlan | undefined> {
  const { definition } = release;
  const reference = kitBuiltReference(definition);
  if (reference === undefined) return undefined;
  const version = definition.version;
  const relock = `run npm run lock -- --release ${version} and npm run synth -- --release ${version}, then publish again`;
  const entry = release.lock ? lockedBuild(release.lock.lock, reference) : undefined;
  if (!entry) throw new UserError(`${release.file}: statusService.image: the kit builds ${reference}, but no lock records its build; ${relock}. Nothing was published.`);
  const pinned = staged.find((candidate) => candidate.kind === "image" && candidate.reference === reference)?.pinned;
  if (pinned !== entry.digest) {
    throw new UserError(`dist/${version}: the staged release pins ${reference}@${pinned ?? "(no digest)"}, but ${release.lock!.file} records the build ${entry.digest}; run npm run synth -- --release ${version}. Nothing was published.`);
  }

  const present = await target.repository.resolve(version);
  if (present?.digest === entry.digest) return { version, reference, digest: entry.digest, target };
  if (present) {
    throw new UserError(
      `${target.repository.location}:${version} already holds ${present.digest}, but the release pins ${entry.digest}. Version tags are immutable: give the changed release a new version. Nothing was published.`,
    );
  }
  options.progress?.(`building ${reference} (not in ${target.repository.location} yet)`);
  const built = await buildKitImage(release, options.inputs(), options.registries, options.deadline);
  const now = builtLockEntry(reference, built);
  if (now.digest !== entry.digest) {
    const why =
      now.built!.base !== entry.built.base
        ? `its base is ${now.built!.base} now, ${entry.built.base} when locked`
        : now.built!.layer !== entry.built.layer
          ? `its application layer is ${now.built!.layer} now, ${entry.built.layer} when locked: the service's source or SOURCE_DATE_EPOCH differs`
          : "its config differs (release version, source or the kit's version)";
    throw new UserError(
      `${release.lock!.file}: stale: the lock pins ${reference}@${entry.digest}, but this checkout builds ${now.digest} (${why}). ` +
        `Publishing would pin an image that does not exist; ${relock}. Nothing was published.`,
    );
  }
  return { version, reference, digest: entry.digest, target, built };
}

/** Pushes a planned image (blobs, manifests, then its version tag) and reads the tag back. */
export async function publishKitImage(plan: KitImagePlan, options: { signingKey?: SigningKey; progress?: (message: string) => void } = {}): Promise<KitImagePublished> {
  const { target } = plan;
  const reference = `${target.dockerReference}:${plan.version}@${plan.digest}`;
  if (!plan.built) return { reference, digest: plan.digest, alreadyPresent: true, blobsUploaded: 0, bytesUploaded: 0 };
  const pushed = await target.run(() =>
    pushStatusImage(target.repository, plan.built!, {
      tag: plan.version,
      dockerReference: target.dockerReference,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.signingKey ? { signingKey: options.signingKey } : {}),
    }),
  );
  await assertTagHolds(target.repository, plan.version, plan.digest);
  return { reference, digest: plan.digest, alreadyPresent: false, blobsUploaded: pushed.blobsUploaded, bytesUploaded: pushed.bytesUploaded };
}
