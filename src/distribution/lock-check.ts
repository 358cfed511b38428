import type { ReleaseLock } from "../../schemas/release-lock.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { RegistryUnreachableError } from "../oci/registry-errors.js";
import type { LoadedRelease } from "../release/load-release.js";
import { kitBuiltReference, kitMadeImages, lockedBuild } from "../synth/kit-built-image.js";
import { buildKitImage, builtLockEntry, KitImageBuildError, type KitImageInputs } from "./kit-image-build.js";
import { lookUpReferences, type ReferenceLookup, type ReferenceStatus } from "./look-up-references.js";
import type { ReferenceRegistries } from "./reference-registries.js";

export interface LockDrift {
  readonly reference: string;
  readonly locked?: string;
  readonly current?: string;
  /** `stale-build`: the kit builds another digest now than the lock pins (its source, base or inputs changed). */
  readonly problem: "moved" | "not-locked" | "stale-build" | Exclude<ReferenceStatus, "present">;
  readonly detail?: string;
}

/**
 * Re-resolves every tag of the release and compares it with the lock: a tag that now names another
 * digest has moved (CI should fail, and someone should decide whether to re-lock).
 */
export async function checkLock(
  lock: ReleaseLock,
  references: readonly ReleaseReference[],
  options: {
    registries: ReferenceRegistries;
    concurrency?: number;
    progress?: (message: string) => void;
    /** The release and build inputs when it has a kit-built image: rebuilt and compared with the lock. */
    kitImage?: { release: LoadedRelease; inputs: KitImageInputs };
  },
): Promise<{ drift: LockDrift[]; lookups: ReferenceLookup[] }> {
  const drift: LockDrift[] = [];
  const ownImage = options.kitImage ? kitBuiltReference(options.kitImage.release.definition) : undefined;
  if (ownImage !== undefined) drift.push(...(await checkBuiltImage(lock, ownImage, options.kitImage!, options)));
  // What the kit makes itself is checked by making it (above), never asked of a registry.
  const made = options.kitImage ? kitMadeImages(options.kitImage.release.definition) : new Set<string>();
  const lookups = await lookUpReferences(references.filter((reference) => !(reference.kind === "image" && made.has(reference.reference))), {
    registries: options.registries,
    by: "tag",
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const locked = new Map([...lock.images, ...lock.charts].map((entry) => [entry.reference, entry.digest]));
  for (const lookup of lookups) {
    const reference = lookup.reference.reference;
    const digest = locked.get(reference);
    if (digest === undefined) drift.push({ reference, problem: "not-locked", ...(lookup.descriptor ? { current: lookup.descriptor.digest } : {}) });
    else if (lookup.status !== "present") drift.push({ reference, locked: digest, problem: lookup.status, ...(lookup.detail ? { detail: lookup.detail } : {}) });
    else if (lookup.descriptor!.digest !== digest) drift.push({ reference, locked: digest, current: lookup.descriptor!.digest, problem: "moved" });
  }
  return { drift, lookups };
}

/** Rebuilds the kit-built image and compares it with what the lock recorded building. */
async function checkBuiltImage(
  lock: ReleaseLock,
  reference: string,
  kitImage: { release: LoadedRelease; inputs: KitImageInputs },
  options: { registries: ReferenceRegistries; progress?: (message: string) => void },
): Promise<LockDrift[]> {
  const entry = lockedBuild(lock, reference);
  options.progress?.(`rebuilding ${reference}`);
  let built;
  try {
    built = await buildKitImage(kitImage.release, kitImage.inputs, options.registries);
  } catch (error) {
    if (!(error instanceof KitImageBuildError)) throw error;
    return [{ reference, problem: error.cause instanceof RegistryUnreachableError ? "unreachable" : "failed", ...(entry ? { locked: entry.digest } : {}), detail: error.message }];
  }
  const now = builtLockEntry(reference, built);
  if (!entry) return [{ reference, problem: "not-locked", current: now.digest, detail: "the lock records no build of this kit-built image" }];
  if (entry.digest === now.digest) return [];
  const changed = [
    entry.built.base !== now.built!.base ? `base ${entry.built.base} -> ${now.built!.base}` : undefined,
    entry.built.layer !== now.built!.layer ? `application layer ${entry.built.layer} -> ${now.built!.layer} (the service's source or SOURCE_DATE_EPOCH changed)` : undefined,
  ].filter((line) => line !== undefined);
  return [
    {
      reference,
      locked: entry.digest,
      current: now.digest,
      problem: "stale-build",
      detail: changed.length > 0 ? changed.join("; ") : "the image's config changed (release version, source or the kit's version)",
    },
  ];
}
