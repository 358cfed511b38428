import { z } from "zod";
import { ChartVersion, Digest, DnsLabel, HelmValues, ImageReference, OciUrl, ReleaseVersion } from "./common.js";
import { COMPONENT_NAMES, type ComponentName } from "./components.js";
import { PolicyWaiver } from "./policy-waiver.js";

/** Media type of the release manifest when it is the config blob of the release artifact. */
export const RELEASE_MANIFEST_MEDIA_TYPE = "application/vnd.nineminds.alga-appliance.release.v1+json";
/** artifactType of the release artifact's OCI manifest. */
export const RELEASE_ARTIFACT_TYPE = "application/vnd.nineminds.alga-appliance.release.v1";

const PinnedComponent = z.strictObject({
  image: ImageReference,
  chart: z.strictObject({
    repository: OciUrl,
    name: DnsLabel,
    version: ChartVersion,
    digest: Digest.optional(),
  }),
});

const componentShape = Object.fromEntries(COMPONENT_NAMES.map((name) => [name, PinnedComponent])) as Record<
  ComponentName,
  typeof PinnedComponent
>;

/**
 * The release manifest: the JSON an appliance reads to install or update. It pins the config
 * bundle by manifest digest and carries everything else the control plane needs.
 */
export const ReleaseManifest = z
  .strictObject({
    schemaVersion: z.literal(1),
    version: ReleaseVersion,
    source: z.strictObject({ repository: z.string().min(1), revision: z.string().min(1) }),
    controlPlane: z.strictObject({ image: ImageReference }),
    configBundle: z
      .strictObject({
        repository: z.string().min(1).describe("Repository name relative to the release's namespace."),
        tag: ReleaseVersion,
        mediaType: z.string().min(1),
        digest: Digest.describe("Digest of the bundle's OCI manifest."),
        size: z.number().int().positive(),
        layerDigest: Digest.describe("Digest of the tar+gzip layer holding the Flux tree."),
      })
      .describe("The Flux config bundle, pinned by digest."),
    components: z.strictObject(componentShape),
    profile: z.strictObject({
      name: DnsLabel,
      values: z.partialRecord(z.enum(COMPONENT_NAMES), HelmValues),
    }),
    waivers: z
      .array(PolicyWaiver)
      .optional()
      .describe("Policy checks the release waived, with their reasons (absent in manifests written before waivers existed)."),
  })
  .describe("Alga PSA appliance release manifest.");
export type ReleaseManifest = z.infer<typeof ReleaseManifest>;
