import { basename, dirname, join } from "node:path";
import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import type { ValuesProfile } from "../../schemas/profile.js";
import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { buildConfigBundle } from "../bundle/config-bundle.js";
import { renderIsoTree, type OfflineIso } from "../iso/iso-tree.js";
import { buildReleaseArtifact } from "../manifest/release-artifact.js";
import { buildReleaseManifest } from "../manifest/build-release-manifest.js";
import type { BuiltArtifact } from "../oci/build-artifact.js";
import { enforcePolicies, type EnforceOptions } from "../policy/index.js";
import type { PolicyViolation } from "../policy/violation.js";
import type { AppliedWaiver } from "../policy/waivers.js";
import { loadRelease } from "../release/load-release.js";
import type { StagedReleaseInputs } from "../release/staged-release-inputs.js";
import { applyLock, lockRenderedImages } from "./apply-lock.js";
import { composeFluxSource, composeRelease, composeVendor } from "./compose-release.js";
import { pinKitBuiltImage } from "./kit-built-image.js";
import { localRegistryEndpoint, localReleaseRegistry, mirroredRegistryHosts, offlineDistribution } from "./offline-distribution.js";
import { releaseReferences } from "./release-references.js";
import { serializeFile, serializeJson, synthHeader } from "./serialize.js";
import type { RenderedFile } from "./rendered-file.js";
import { validateAgainstUpstreamSchemas } from "./upstream-schemas.js";

const encoder = new TextEncoder();

/** Everything synth produces for one release, in memory, before anything is written. */
export interface SynthesizedRelease {
  readonly version: string;
  /** File bytes keyed by path relative to `dist/<version>/`. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly releaseManifest: ReleaseManifest;
  readonly bundle: BuiltArtifact;
  readonly releaseArtifact: BuiltArtifact;
  /** Policy checks the release file waived, with what each covered. */
  readonly waivers: readonly AppliedWaiver[];
  /** The definition, profile and lock it was rendered from, as JSON (StagedReleaseInputs): staged for publish. */
  readonly stagedInputs: Uint8Array;
}

/** Validates rendered objects (upstream schemas, then policies) and serializes them. */
function checkedFiles(files: readonly RenderedFile[], origin: string, policy: EnforceOptions = {}): { files: Map<string, Uint8Array>; waivers: AppliedWaiver[] } {
  validateAgainstUpstreamSchemas(files, origin);
  const waivers = enforcePolicies(files, origin, policy);
  return { files: new Map(files.map((file) => [file.path, encoder.encode(serializeFile(file, synthHeader(origin)))])), waivers };
}

/**
 * For a violation in a HelmRelease's values: the profile file and key, when the profile wrote that
 * value (a release file's values are baked over the profile's, so the release file is not where to fix it).
 */
function profileValueSource(profile: ValuesProfile, profileFile: string): (violation: PolicyViolation) => string | undefined {
  return (violation) => {
    const component = /^HelmRelease [^/]+\/(.+)$/.exec(violation.object)?.[1];
    const path = /^spec\.values\.(.+)$/.exec(violation.field)?.[1];
    if (component === undefined || path === undefined) return undefined;
    let value: unknown = profile.values[component as keyof ValuesProfile["values"]];
    for (const key of path.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== "")) {
      value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    }
    return value === undefined ? undefined : `the value comes from the profile: ${profileFile}, values.${component}.${path}`;
  };
}

/**
 * Renders, validates and packages one release. Pure and offline: the same release file, profile
 * and epoch give the same bytes and digests on any machine.
 */
export function synthesizeRelease(file: string, createdEpochSeconds: number): SynthesizedRelease {
  const loaded = loadRelease(file);
  const { profile, lock } = loaded;
  // The image the kit builds takes the digest lock built (a hand-written one must equal it).
  const ownImagePinned = pinKitBuiltImage(file, loaded.definition, lock);
  // With a lock every reference renders as repo:tag@sha256:…, and the release manifest records it.
  const definition = lock ? applyLock(ownImagePinned, lock.lock, lock.file) : ownImagePinned;
  // Only the file name goes into generated headers, so the checkout path never changes the bytes.
  const origin = `releases/${basename(file)}`;
  const composed = composeRelease(definition, profile);
  const { files, waivers } = checkedFiles(lock ? lockRenderedImages(composed, lock.lock) : composed, origin, {
    context: { locked: lock !== undefined },
    ...(definition.waivers ? { waivers: definition.waivers } : {}),
    sourceOf: profileValueSource(profile, join(dirname(file), "profiles", `${definition.profile}.yaml`)),
  });

  const bundle = buildConfigBundle({
    files: [...files]
      .filter(([path]) => path.startsWith("config/"))
      .map(([path, data]) => ({ path: path.slice("config/".length), data })),
    source: definition.source.repository,
    revision: definition.source.revision,
    createdEpochSeconds,
  });
  const releaseManifest = buildReleaseManifest(definition, profile, {
    manifest: bundle.manifest.descriptor,
    layer: bundle.layers[0]!.descriptor,
  });
  const manifestJson = encoder.encode(serializeJson(releaseManifest));
  const releaseArtifact = buildReleaseArtifact(manifestJson, releaseManifest, createdEpochSeconds);
  const all = new Map(files);
  all.set("release-manifest.json", manifestJson);
  // Offline (issue 18): the config bundle's Flux source on the local registry, and the k3s mirrors of every registry host the lock names.
  const offline = offlineDistribution(definition);
  let isoOffline: OfflineIso | undefined;
  if (offline) {
    for (const [path, data] of checkedFiles(composeFluxSource(definition, bundle.manifest.descriptor.digest), origin).files) all.set(path, data);
    const references = lock
      ? [...lock.lock.images, ...lock.lock.charts].map((entry) => entry.reference)
      : releaseReferences(definition, profile, composed).map((reference) => reference.reference);
    isoOffline = {
      endpoint: localRegistryEndpoint(offline),
      releaseRegistry: localReleaseRegistry(offline),
      mirroredHosts: mirroredRegistryHosts(references, offline, lock ? lock.file : origin),
      storageDirectory: offline.registry.hostPath,
    };
  }
  // The ISO seed and overlay (iso/…), when the releases directory has an ISO definition.
  for (const [path, data] of renderIsoTree(file, definition.version, all, isoOffline)) all.set(path, data);
  const inputs: StagedReleaseInputs = { releaseArtifact: releaseArtifact.manifest.descriptor.digest, definition: loaded.definition, profile, ...(lock ? { lock: lock.lock } : {}) };
  const stagedInputs = encoder.encode(serializeJson(inputs));
  return { version: definition.version, files: all, releaseManifest, bundle, releaseArtifact, waivers, stagedInputs };
}

/** Renders and validates the vendor-side files (paths relative to the output root). */
export function synthesizeVendor(licenseService: LicenseServiceDefinition, origin: string): Map<string, Uint8Array> {
  return checkedFiles(composeVendor(licenseService), origin).files;
}
