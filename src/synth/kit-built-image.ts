/**
 * The image the kit builds itself (a release's statusService with `build`): its digest is not
 * written by hand but computed by `npm run lock`, which builds the image and records it in the
 * lock. Synth only reads the lock, so it stays offline and never runs esbuild.
 */
import { parseImageReference } from "../../schemas/common.js";
import type { ReleaseDefinition } from "../../schemas/release.js";
import type { LockedReference, ReleaseLock } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";

/** `registry/repository:tag` of the image the kit builds for this release, or undefined when it builds none. */
export function kitBuiltReference(definition: ReleaseDefinition): string | undefined {
  if (!definition.statusService.build) return undefined;
  const parts = parseImageReference(definition.statusService.image)!;
  return `${parts.registry}/${parts.repository}:${parts.tag}`;
}

/**
 * The base the kit assembles itself from a definition file (statusService.build.baseDefinition):
 * `registry/repository:tag` and the pinned digest. No registry holds it, so lock, lock --check and
 * preflight never look it up; building the image assembles it and checks it against the pin.
 */
export function kitAssembledBase(definition: ReleaseDefinition): { reference: string; digest: string } | undefined {
  const build = definition.statusService.build;
  if (!build?.baseDefinition) return undefined;
  const parts = parseImageReference(build.base)!;
  return { reference: `${parts.registry}/${parts.repository}:${parts.tag}`, digest: parts.digest! };
}

/** The image references whose bytes the kit makes itself (the built image, an assembled base): never asked of a registry. */
export function kitMadeImages(definition: ReleaseDefinition): ReadonlySet<string> {
  return new Set([kitBuiltReference(definition), kitAssembledBase(definition)?.reference].filter((reference) => reference !== undefined));
}

/** The lock's entry for the kit-built image, only if the lock recorded it as built (not as looked up). */
export function lockedBuild(lock: ReleaseLock, reference: string): (LockedReference & { built: NonNullable<LockedReference["built"]> }) | undefined {
  const entry = lock.images.find((image) => image.reference === reference);
  return entry?.built ? (entry as LockedReference & { built: NonNullable<LockedReference["built"]> }) : undefined;
}

/**
 * The release with its kit-built image pinned to the digest the lock recorded when it built it.
 * Refused, naming the release file and field: no lock or no built entry (run lock), or a digest in
 * the release file that is not the one the kit built (a placeholder: drop it or re-lock).
 */
export function pinKitBuiltImage(file: string, definition: ReleaseDefinition, lock: { readonly file: string; readonly lock: ReleaseLock } | undefined): ReleaseDefinition {
  const reference = kitBuiltReference(definition);
  if (reference === undefined) return definition;
  const relock = `run npm run lock -- --release ${definition.version} (it builds the image and records its digest), then synth again`;
  const entry = lock ? lockedBuild(lock.lock, reference) : undefined;
  if (!entry) {
    const where = lock ? `${lock.file} records no build of ${reference}` : `there is no lock file beside it`;
    throw new UserError(`${file}: statusService.image: the kit builds ${reference} (statusService.build), so its digest comes from the lock, but ${where}; ${relock}`);
  }
  const written = parseImageReference(definition.statusService.image)!.digest;
  if (written !== undefined && written !== entry.digest) {
    throw new UserError(
      `${file}: statusService.image pins ${written}, which is not what the kit built (${entry.digest}, recorded in ${lock!.file}): a placeholder digest would start no appliance. ` +
        `Drop the digest (write ${reference}; synth takes the digest from the lock), or if the source changed, ${relock}`,
    );
  }
  return { ...definition, statusService: { ...definition.statusService, image: `${reference}@${entry.digest}` } };
}
