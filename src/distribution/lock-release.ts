import { stringify } from "yaml";
import { ReleaseLock, type LockedReference } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";
import type { LoadedRelease } from "../release/load-release.js";
import { kitAssembledBase, kitBuiltReference, kitMadeImages } from "../synth/kit-built-image.js";
import { releaseReferences, type ReleaseReference } from "../synth/release-references.js";
import { buildKitImage, builtLockEntry, type KitImageInputs } from "./kit-image-build.js";
import { lookUpReferences, type ReferenceLookup } from "./look-up-references.js";
import type { ReferenceRegistries } from "./reference-registries.js";

export interface LockOptions {
  readonly registries: ReferenceRegistries;
  readonly concurrency?: number;
  readonly progress?: (message: string) => void;
  /**
   * Take digests from the release's own pins and ask no registry; every reference must be pinned.
   * @default false
   */
  readonly offline?: boolean;
  /**
   * How to build the image the kit builds (statusService.build): lock builds it and records the
   * digest it built, since no registry can know it yet. Required for such a release.
   */
  readonly kitImage?: KitImageInputs;
}

export interface LockResult {
  readonly lock: ReleaseLock;
  readonly references: readonly ReleaseReference[];
  /** Empty when offline. */
  readonly lookups: readonly ReferenceLookup[];
}

/** One line per reference that could not be resolved, with who uses it. */
function describeFailures(lookups: readonly ReferenceLookup[]): string[] {
  return lookups
    .filter((lookup) => lookup.status !== "present")
    .map((lookup) => `  ${lookup.reference.reference} (${lookup.reference.uses.map((use) => use.user).join(", ")}): ${lookup.status}: ${lookup.detail ?? ""}`);
}

function sorted(entries: LockedReference[]): LockedReference[] {
  return entries.sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
}

/**
 * Resolves every image and chart of a release to a manifest digest (HEAD requests; a digest the
 * release already pins is checked by digest and kept). Nothing is written unless every reference
 * resolves.
 */
export async function lockRelease(loaded: LoadedRelease, options: LockOptions): Promise<LockResult> {
  const { definition, profile } = loaded;
  const references = releaseReferences(definition, profile);
  const entries: { kind: ReleaseReference["kind"]; entry: LockedReference }[] = [];
  // The image the kit builds is built here, never looked up: its tag may not exist anywhere yet,
  // and a digest written in the release file for it is not trusted (synth checks it against this).
  const ownImage = kitBuiltReference(definition);
  if (ownImage !== undefined) {
    if (!options.kitImage) throw new Error("lockRelease: a release whose status image the kit builds needs options.kitImage");
    if (options.offline && !options.kitImage.baseLayout && !definition.statusService.build!.baseDefinition) {
      throw new UserError(
        `${loaded.file}: statusService.build: --offline cannot read the base ${definition.statusService.build!.base} to build ${ownImage}; ` +
          "give --base-layout DIR (an OCI image layout holding the base), name the definition the kit assembles it from (statusService.build.baseDefinition), or run npm run lock without --offline",
      );
    }
    options.progress?.(`building ${ownImage} on ${definition.statusService.build!.base}`);
    const built = await buildKitImage(loaded, options.kitImage, options.registries);
    entries.push({ kind: "image", entry: builtLockEntry(ownImage, built) });
    // A base the kit assembles: the build above assembled it (or read it by digest) and matched the pin.
    const assembled = kitAssembledBase(definition);
    if (assembled) entries.push({ kind: "image", entry: { reference: assembled.reference, digest: assembled.digest, mediaType: built.base.descriptor.mediaType } });
  }
  const made = kitMadeImages(definition);
  const lookedUp = references.filter((reference) => !(reference.kind === "image" && made.has(reference.reference)));
  let lookups: ReferenceLookup[] = [];
  if (options.offline) {
    const unpinned = lookedUp.filter((reference) => !reference.pinned);
    if (unpinned.length > 0) {
      throw new UserError(
        `${loaded.file}: --offline needs every reference pinned by digest in the release; these are not:\n` +
          unpinned.map((reference) => `  ${reference.reference} (${reference.uses.map((use) => use.user).join(", ")})`).join("\n") +
          "\nPin them (…@sha256:<digest>) or run npm run lock without --offline to resolve them.",
      );
    }
    for (const reference of lookedUp) entries.push({ kind: reference.kind, entry: { reference: reference.reference, digest: reference.pinned! } });
  } else {
    lookups = await lookUpReferences(lookedUp, {
      registries: options.registries,
      by: "pinned",
      platforms: true,
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
    const failures = describeFailures(lookups);
    if (failures.length > 0) throw new UserError(`${loaded.file}: cannot lock ${failures.length} reference(s); nothing was written:\n${failures.join("\n")}`, { lookups });
    for (const lookup of lookups) {
      entries.push({
        kind: lookup.reference.kind,
        entry: {
          reference: lookup.reference.reference,
          digest: lookup.descriptor!.digest,
          mediaType: lookup.descriptor!.mediaType,
          ...(lookup.platforms?.length ? { platforms: [...lookup.platforms] } : {}),
        },
      });
    }
  }
  const lock = ReleaseLock.parse({
    lockVersion: 1,
    release: definition.version,
    images: sorted(entries.filter((e) => e.kind === "image").map((e) => e.entry)),
    charts: sorted(entries.filter((e) => e.kind === "chart").map((e) => e.entry)),
  });
  return { lock, references, lookups };
}

/** The lock file's bytes: a generated-file header, then plain YAML. */
export function serializeLock(lock: ReleaseLock, offline: boolean): string {
  const how = offline ? "from the release's own digest pins (npm run lock -- --offline)" : "by registry HEAD requests (npm run lock)";
  return `# Generated ${how} for releases/${lock.release}.yaml. Do not edit: re-run npm run lock.\n${stringify(lock, { lineWidth: 0, indent: 2 })}`;
}
