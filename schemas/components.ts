import { z } from "zod";

/** The Helm releases an appliance release is made of, in install order. */
export const COMPONENT_NAMES = [
  "alga-core",
  "pgbouncer",
  "temporal",
  "temporal-worker",
  "workflow-worker",
  "email-service",
] as const;

export const ComponentName = z.enum(COMPONENT_NAMES);
export type ComponentName = z.infer<typeof ComponentName>;

/**
 * The namespaces the application's components run in, listed once: the config bundle creates them,
 * each component is placed in one of them, and the control plane gets its setup RBAC in each.
 */
export const APPLICATION_NAMESPACES = ["alga-system", "msp"] as const;
export type ApplicationNamespace = (typeof APPLICATION_NAMESPACES)[number];

/** The readiness tiers, in dependency order. */
export const TIERS = ["platform", "core", "background"] as const;
export type Tier = (typeof TIERS)[number];

/** Flux Kustomization name of each tier. */
export const TIER_KUSTOMIZATION: Readonly<Record<Tier, string>> = {
  platform: "alga-platform",
  core: "alga-core",
  background: "alga-background",
};

/** Where a component is installed: its tier and its namespace. */
export interface ComponentPlacement {
  readonly tier: Exclude<Tier, "platform">;
  /** One of the application namespaces, so the control plane has its RBAC there. */
  readonly namespace: ApplicationNamespace;
}

/**
 * Where each component is installed, listed once for synth (which renders it there), the policies
 * (which check it is there) and the status service (which reads it from there). Login needs only
 * the core tier (app, database, redis, pgbouncer); everything asynchronous is background, so a
 * background failure never blocks login.
 */
export const COMPONENT_PLACEMENT: Readonly<Record<ComponentName, ComponentPlacement>> = {
  "alga-core": { tier: "core", namespace: "msp" },
  pgbouncer: { tier: "core", namespace: "alga-system" },
  temporal: { tier: "background", namespace: "alga-system" },
  "temporal-worker": { tier: "background", namespace: "alga-system" },
  "workflow-worker": { tier: "background", namespace: "alga-system" },
  "email-service": { tier: "background", namespace: "alga-system" },
};
