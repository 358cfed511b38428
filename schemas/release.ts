import { z } from "zod";
import { ChartVersion, Digest, DnsLabel, ImageReference, OciUrl, ReleaseVersion } from "./common.js";
import { COMPONENT_NAMES, type ComponentName } from "./components.js";

/** One Helm release of the appliance: its chart and the application image it runs. */
export const ComponentRelease = z
  .strictObject({
    image: ImageReference,
    chart: z.strictObject({
      name: DnsLabel.describe("Chart name inside the chart repository."),
      version: ChartVersion,
      digest: Digest.optional().describe("Chart manifest digest; when given, Flux pulls the chart by digest."),
    }),
  })
  .describe("A component: its chart and image.");
export type ComponentRelease = z.infer<typeof ComponentRelease>;

const componentShape = Object.fromEntries(COMPONENT_NAMES.map((name) => [name, ComponentRelease])) as Record<
  ComponentName,
  typeof ComponentRelease
>;

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
    controlPlane: z.strictObject({ image: ImageReference }).describe("The control-plane image the host bootstrap runs."),
    statusService: z
      .strictObject({ image: ImageReference })
      .describe("The appliance status service image (the kit's src/services/status), rendered into the platform tier."),
    components: z.strictObject(componentShape).describe("Every Helm release of the appliance."),
  })
  .describe("An Alga PSA appliance release definition.");
export type ReleaseDefinition = z.infer<typeof ReleaseDefinition>;
export type ReleaseDefinitionInput = z.input<typeof ReleaseDefinition>;
