import { z } from "zod";
import { ChartVersion, Digest, DnsLabel, ImageReference, OciUrl, parseImageReference, ReleaseVersion } from "./common.js";
import { COMPONENT_NAMES, type ComponentName } from "./components.js";
import { APPLIANCE_STATE_DIRECTORY } from "./names.js";
import { PolicyWaiver } from "./policy-waiver.js";

/** One Helm release of the appliance: its chart and the application image it runs. */
const ComponentRelease = z
  .strictObject({
    image: ImageReference,
    chart: z.strictObject({
      name: DnsLabel.describe("Chart name inside the chart repository."),
      version: ChartVersion,
      digest: Digest.optional().describe("Chart manifest digest; when given, Flux pulls the chart by digest."),
    }),
  })
  .describe("A component: its chart and image.");

const componentShape = Object.fromEntries(COMPONENT_NAMES.map((name) => [name, ComponentRelease])) as Record<
  ComponentName,
  typeof ComponentRelease
>;

/**
 * How the kit builds the status service's image (`npm run image`, `npm run lock`, publish): the
 * Node.js runtime image it is built on, pinned by digest so the same checkout builds the same image
 * anywhere. The built digest lives in the lock, never in the release file: a digest typed by hand
 * cannot follow the source it was built from.
 */
const ServiceImageBuild = z
  .strictObject({
    base: ImageReference.refine((value) => value.includes("@sha256:"), {
      error: "must be pinned by digest (registry/repository:tag@sha256:…): the image is rebuilt bit for bit only on the same base",
    }).describe("The Node.js runtime base image (e.g. a distroless nodejs image), tag and digest; its entrypoint must run node."),
    baseDefinition: z
      .string()
      .regex(/^[^/][^\0]*\.ya?ml$/, { error: "must be a relative path to a base definition file (.yaml), e.g. base/node22-debian12.yaml" })
      .optional()
      .describe(
        "The definition file the kit assembles build.base from (releases/base/*.yaml, relative to this release file): lock and publish build it from its pinned " +
          "npm and Debian inputs (the built base is kept in the kit's cache, by digest) instead of pulling it from a registry, and refuse when it builds another digest than base pins.",
      ),
  })
  .describe(
    "The kit builds this image itself: from this base plus one application layer. statusService.image then names repository:tag only; " +
      "npm run lock builds the image and records its digest in the lock, synth renders repository:tag@<that digest>, and publish pushes it " +
      "(or finds it) beside the release. A digest written in statusService.image must be the one the kit built, else synth refuses it as a placeholder.",
  );
type ServiceImageBuild = z.infer<typeof ServiceImageBuild>;

// ── distribution (issue 18, point 5): how an appliance gets its images, charts and config bundle ──

/**
 * The offline appliance's local registry: the CNCF distribution registry, run by the host bootstrap
 * beside the control plane. k3s's containerd mirrors every registry host the lock names to it, and
 * Flux reads the charts and config bundle from it, so nothing is fetched from the network.
 */
const LocalRegistry = z
  .strictObject({
    image: ImageReference.refine((value) => value.includes("@sha256:"), {
      error: "must be pinned by digest (e.g. docker.io/library/registry:3.0.0@sha256:…): the registry starts from the ISO's bootstrap archive, which holds exactly that digest",
    })
      .refine((value) => !/:v?2(\.[^@]*)?@/.test(value), {
        error:
          "is distribution 2.x, which refuses an image index whose other platforms are absent (what airgap export writes for the platforms it keeps); use distribution 3 (docker.io/library/registry:3.x)",
      })
      .describe("The CNCF distribution registry image, version 3 (docker.io/library/registry:3.x), tag and digest."),
    clusterIP: z
      .ipv4({ error: "must be an IPv4 address inside the cluster's service range (k3s: 10.43.0.0/16)" })
      .refine((value) => value !== "10.43.0.1" && value !== "10.43.0.10", { error: "is taken by k3s (10.43.0.1: the API server, 10.43.0.10: cluster DNS); choose another, e.g. 10.43.0.50" })
      .default("10.43.0.50")
      .describe(
        "Fixed ClusterIP of the registry's Service: containerd on the node reaches it before cluster DNS is up, and it is never exposed on the node's network. Keep it in the lower part of the service range, which Kubernetes keeps for fixed addresses.",
      ),
    port: z.number().int().min(1).max(65535).default(5000).describe("Port of the registry's Service and container (plain HTTP)."),
    hostPath: z
      .string()
      .regex(/^\/[a-z0-9._\/-]+$/, { error: "must be an absolute path (a-z, 0-9, '.', '_', '-', '/')" })
      .refine((value) => value.startsWith(`${APPLIANCE_STATE_DIRECTORY}/`) && !value.split("/").includes(".."), {
        error: `must be a directory below the appliance state directory ${APPLIANCE_STATE_DIRECTORY}/ (e.g. ${APPLIANCE_STATE_DIRECTORY}/registry)`,
      })
      .default(`${APPLIANCE_STATE_DIRECTORY}/registry`)
      .describe("Host directory holding the registry's storage; the installer creates it, owned by the registry's user."),
    namespace: z
      .string()
      .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, { error: "must be a registry namespace such as alga (lower-case path components)" })
      .default("alga")
      .describe("Namespace of the release artifact and config bundle in the local registry: import with --registry <clusterIP>:<port>/<namespace>."),
  })
  .describe("The local registry an offline appliance installs from.");

/** `distribution`: online (the default: the registries the release names) or offline (a local registry). */
const Distribution = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("online") }).describe("Images, charts and the config bundle come from the registries the release names."),
    z.strictObject({ mode: z.literal("offline"), registry: LocalRegistry }).describe("Everything comes from a local registry filled with `airgap import`."),
  ])
  .describe("How the appliance gets its images, charts and config bundle; absent: online.");
export type Distribution = z.infer<typeof Distribution>;
export type OfflineDistribution = Extract<Distribution, { mode: "offline" }>;

// ── end distribution ──

/** `releases/<version>.yaml`: what a release engineer writes. */
export const ReleaseDefinition = z
  .strictObject({
    version: ReleaseVersion,
    profile: DnsLabel.default("single-node").describe("Values profile: releases/profiles/<profile>.yaml."),
    source: z
      .strictObject({
        repository: z.url({ error: "must be the URL of the source repository" }),
        revision: z.string().min(1, { error: "must name the source revision (branch, tag or commit)" }),
      })
      .describe("Where the release comes from; becomes the bundle's source/revision annotations."),
    chartRepository: OciUrl.describe("OCI repository holding the Helm charts, e.g. oci://ghcr.io/nine-minds/charts."),
    chartVerification: z
      .strictObject({
        provider: z.literal("cosign"),
        secretName: DnsLabel.describe("Secret in each chart's namespace holding the vendor's public key(s) under names ending in .pub."),
      })
      .optional()
      .describe("Make Flux verify every chart's cosign signature on each reconcile; absent: charts are not verified."),
    controlPlane: z.strictObject({ image: ImageReference }).describe("The control-plane image the host bootstrap runs."),
    statusService: z
      .strictObject({
        image: ImageReference.describe(
          "registry/repository:tag of the status image. With build: tag only (its digest comes from the lock); without: an image built elsewhere, tag and optional digest.",
        ),
        build: ServiceImageBuild.optional(),
      })
      .describe("The appliance status service image (the kit's src/services/status), rendered into the platform tier."),
    components: z.strictObject(componentShape).describe("Every Helm release of the appliance."),
    waivers: z.array(PolicyWaiver).optional().describe("Policy checks this release knowingly breaks, each with its reason."),
    distribution: Distribution.optional(),
  })
  .superRefine((release, context) => {
    // The kit tags the image it builds with the release version (npm run image, publish), so a
    // reference naming another tag would point at a tag that holds another build, or none.
    if (!release.statusService.build) return;
    const tag = parseImageReference(release.statusService.image)?.tag;
    if (tag !== undefined && tag !== release.version) {
      context.addIssue({
        code: "custom",
        path: ["statusService", "image"],
        message: `the kit tags the image it builds with the release version, so the tag must be "${release.version}", not "${tag}" (write ${release.statusService.image.replace(/:[^:/@]+(@.*)?$/, "")}:${release.version})`,
      });
    }
  })
  .describe("An Alga PSA appliance release definition.");
export type ReleaseDefinition = z.infer<typeof ReleaseDefinition>;
