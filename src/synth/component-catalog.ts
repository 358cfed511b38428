import { COMPONENT_PLACEMENT, type ComponentName, type ComponentPlacement } from "../../schemas/components.js";

export { APPLICATION_NAMESPACES, FLUX_TIER_KUSTOMIZATION as TIER_KUSTOMIZATION, FLUX_TIERS as TIERS, type FluxTierName as Tier } from "../../schemas/components.js";

/** How synth renders each component, beyond where it goes (schemas/components.ts). */
export interface ComponentRendering extends ComponentPlacement {
  /** Helm values path the release's image is written to, e.g. `["server", "image"]`. */
  readonly imageValuesPath: readonly string[];
  /** Install without waiting for the control plane's site values. */
  readonly siteValuesOptional: boolean;
  /** Apply the Temporal post-renderer hardening. */
  readonly temporalHardening?: boolean;
}

const RENDERING: Record<ComponentName, Omit<ComponentRendering, keyof ComponentPlacement>> = {
  "alga-core": { imageValuesPath: ["server", "image"], siteValuesOptional: false },
  pgbouncer: { imageValuesPath: ["image"], siteValuesOptional: true },
  temporal: { imageValuesPath: ["server", "image"], siteValuesOptional: true, temporalHardening: true },
  "temporal-worker": { imageValuesPath: ["image"], siteValuesOptional: true },
  "workflow-worker": { imageValuesPath: ["image"], siteValuesOptional: true },
  "email-service": { imageValuesPath: ["image"], siteValuesOptional: true },
};

/** Each component's placement (schemas/components.ts) and how synth renders it. */
export const COMPONENT_CATALOG = Object.fromEntries(
  Object.entries(RENDERING).map(([name, rendering]) => [name, { ...COMPONENT_PLACEMENT[name as ComponentName], ...rendering }]),
) as Record<ComponentName, ComponentRendering>;
