import { z } from "zod";
import { Digest, ReleaseVersion } from "./common.js";

/**
 * What a kit-built image was built from when `lock` built it. Another base digest or application
 * layer digest means the image is no longer what the lock pins (`lock --check` says so).
 */
const BuiltFrom = z
  .strictObject({
    base: Digest.describe("Digest of the base image (index or manifest) it was built on: statusService.build.base's pin."),
    layer: Digest.describe("Digest of its application layer (the compressed blob): the service's bundle, owner and SOURCE_DATE_EPOCH."),
  })
  .describe("What the kit built this image from.");

/** One reference of a release resolved to the manifest digest it named when `lock` ran. */
export const LockedReference = z
  .strictObject({
    reference: z
      .string()
      .min(1)
      .describe("The reference as the release names it, without digest: registry/repository:tag, or oci://host/path/chart:version."),
    digest: Digest.describe("Manifest digest the reference resolved to; for a multi-platform image, the index digest."),
    mediaType: z
      .string()
      .min(1)
      .optional()
      .describe("Media type of that manifest (an image index for multi-platform images); absent when the digest was taken from the release's own pin without asking the registry (lock --offline)."),
    platforms: z.array(z.string().min(1)).optional().describe("For an image index: the platforms it holds (os/architecture[/variant])."),
    built: BuiltFrom.optional().describe(
      "Present only for an image the kit builds itself (the release's statusService.build): the digest is what `npm run lock` built, not what a registry answered.",
    ),
  })
  .describe("A reference resolved to a digest.");
export type LockedReference = z.infer<typeof LockedReference>;

/**
 * `releases/<version>.lock.yaml`, written by `npm run lock`: every image and chart the release
 * references, resolved to a digest, so synth renders `repo:tag@sha256:…` and stays offline.
 */
export const ReleaseLock = z
  .strictObject({
    lockVersion: z.literal(1),
    release: ReleaseVersion.describe("The version of the release file this lock belongs to."),
    images: z.array(LockedReference).describe("Container images, sorted by reference."),
    charts: z.array(LockedReference).describe("Helm charts (OCI), sorted by reference."),
  })
  .describe("Lock file of an Alga PSA appliance release: every reference resolved to a digest.");
export type ReleaseLock = z.infer<typeof ReleaseLock>;
