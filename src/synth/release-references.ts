import { COMPONENT_NAMES } from "../../schemas/components.js";
import type { ReleaseDefinition } from "../../schemas/release.js";
import type { ValuesProfile } from "../../schemas/profile.js";
import { COMPONENT_CATALOG } from "./component-catalog.js";
import { composeRelease } from "./compose-release.js";
import { ReferenceCollector, type ReleaseReference } from "./reference-collector.js";
import type { RenderedFile } from "./rendered-file.js";

export { blocksLogin, chartReference, ReferenceCollector, type ReferenceTier, type ReferenceUse, type ReleaseReference } from "./reference-collector.js";

/**
 * Every image and chart a release references: the components' images and charts, the control
 * plane, and every image in a rendered pod template (Jobs, init containers, sidecars), each with
 * the tiers that use it. Offline: it renders, it never asks a registry.
 */
export function releaseReferences(definition: ReleaseDefinition, profile: ValuesProfile, rendered?: readonly RenderedFile[]): ReleaseReference[] {
  const collector = new ReferenceCollector();
  for (const name of COMPONENT_NAMES) {
    const component = definition.components[name];
    const use = { user: name, tier: COMPONENT_CATALOG[name].fluxTier };
    collector.image(component.image, use);
    collector.chart(definition.chartRepository, component.chart.name, component.chart.version, component.chart.digest, use);
  }
  collector.image(definition.controlPlane.image, { user: "control-plane", tier: "control-plane" });
  collector.image(definition.statusService.image, { user: "status-service", tier: "platform" });
  // The base the kit builds the status image on (npm run image): locked and looked up like any image.
  if (definition.statusService.build) collector.image(definition.statusService.build.base, { user: "status-service-base", tier: "platform" });
  collector.renderedImages(rendered ?? composeRelease(definition, profile));
  return collector.references();
}
