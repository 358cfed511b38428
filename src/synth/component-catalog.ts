import type { ApplicationNamespace, ComponentName } from "../../schemas/components.js";

/** The readiness tiers, in dependency order. */
export const TIERS = ["platform", "core", "background"] as const;
export type Tier = (typeof TIERS)[number];

/** Flux Kustomization name of each tier. */
export const TIER_KUSTOMIZATION: Record<Tier, string> = {
  platform: "alga-platform",
  core: "alga-core",
  background: "alga-background",
};

/** Where and how each component is installed. */
export interface ComponentPlacement {
  readonly tier: Exclude<Tier, "platform">;
  /** One of the application namespaces, so the control plane has its RBAC there. */
  readonly namespace: ApplicationNamespace;
  /** Helm values path the release's image is written to, e.g. `["server", "image"]`. */
  readonly imageValuesPath: readonly string[];
  /** Install without waiting for the control plane's site values. */
  readonly siteValuesOptional: boolean;
  /** Apply the Temporal post-renderer hardening. */
  readonly temporalHardening?: boolean;
}

/**
 * Login needs only the core tier (app, database, redis, pgbouncer); everything asynchronous is
 * background, so a background failure never blocks login.
 */
export const COMPONENT_CATALOG: Record<ComponentName, ComponentPlacement> = {
  "alga-core": { tier: "core", namespace: "msp", imageValuesPath: ["server", "image"], siteValuesOptional: false },
  pgbouncer: { tier: "core", namespace: "alga-system", imageValuesPath: ["image"], siteValuesOptional: true },
  temporal: {
    tier: "background",
    namespace: "alga-system",
    imageValuesPath: ["server", "image"],
    siteValuesOptional: true,
    temporalHardening: true,
  },
  "temporal-worker": { tier: "background", namespace: "alga-system", imageValuesPath: ["image"], siteValuesOptional: true },
  "workflow-worker": { tier: "background", namespace: "alga-system", imageValuesPath: ["image"], siteValuesOptional: true },
  "email-service": { tier: "background", namespace: "alga-system", imageValuesPath: ["image"], siteValuesOptional: true },
};

/** Namespaces the config bundle creates (flux-system exists before the bundle is applied). */
export { APPLICATION_NAMESPACES } from "../../schemas/components.js";
