import { z } from "zod";
import { APPLIANCE_NAME, FLUX_NAMESPACE, STATUS_SERVICE_NAME, SYSTEM_NAMESPACE } from "./names.js";

export { FLUX_NAMESPACE };

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
export const APPLICATION_NAMESPACES = [SYSTEM_NAMESPACE, "msp"] as const;
export type ApplicationNamespace = (typeof APPLICATION_NAMESPACES)[number];

/** The Flux OCIRepository carrying the config bundle (setup creates it). */
export const CONFIG_SOURCE = { kind: "OCIRepository", namespace: FLUX_NAMESPACE, name: APPLIANCE_NAME } as const;

/** The status service's own workload, rendered by the platform tier. */
export const STATUS_SERVICE = { name: STATUS_SERVICE_NAME, namespace: SYSTEM_NAMESPACE as ApplicationNamespace } as const;

/**
 * The Flux tiers: the Kustomizations that apply the config bundle, in dependency order. A Flux
 * tier says what Flux applies together; it is not what login needs (see READINESS_TIERS).
 */
export const FLUX_TIERS = ["platform", "core", "background"] as const;
export type FluxTierName = (typeof FLUX_TIERS)[number];

/** Flux Kustomization name of each Flux tier. */
export const FLUX_TIER_KUSTOMIZATION: Readonly<Record<FluxTierName, string>> = {
  platform: "alga-platform",
  core: "alga-core",
  background: "alga-background",
};

/**
 * The readiness tiers the status reports, in the order an install reaches them: what must work
 * before the next can. alga-core is applied by the core Flux tier but is the login readiness tier.
 */
export const READINESS_TIERS = ["platform", "core", "bootstrap", "login", "background"] as const;
export type ReadinessTier = (typeof READINESS_TIERS)[number];

/** Where a component is installed: its Flux tier and its namespace. */
export interface ComponentPlacement {
  /** The Flux tier (Kustomization) that applies its HelmRelease. */
  readonly fluxTier: Exclude<FluxTierName, "platform">;
  /** One of the application namespaces, so the control plane has its RBAC there. */
  readonly namespace: ApplicationNamespace;
}

/**
 * Where each component is installed, listed once for synth (which renders it there), the policies
 * (which check it is there) and the status service (which reads it from there). Login needs only
 * the core Flux tier (app, database, redis, pgbouncer); everything asynchronous is background, so a
 * background failure never blocks login.
 */
export const COMPONENT_PLACEMENT: Readonly<Record<ComponentName, ComponentPlacement>> = {
  "alga-core": { fluxTier: "core", namespace: "msp" },
  pgbouncer: { fluxTier: "core", namespace: SYSTEM_NAMESPACE },
  temporal: { fluxTier: "background", namespace: SYSTEM_NAMESPACE },
  "temporal-worker": { fluxTier: "background", namespace: SYSTEM_NAMESPACE },
  "workflow-worker": { fluxTier: "background", namespace: SYSTEM_NAMESPACE },
  "email-service": { fluxTier: "background", namespace: SYSTEM_NAMESPACE },
};

/** How the status service recognises a workload of a component inside what rendered it. */
export interface WorkloadMatch {
  /** `app.kubernetes.io/name` (or `component`) label values, or workload names (exact, or followed by `-…`). */
  readonly names?: readonly string[];
  /** Workload kinds that always belong to this component within its release (a chart's Jobs are its bootstrap). */
  readonly kinds?: readonly string[];
}

/** A part of the appliance the status reports on. */
export interface StatusComponent {
  readonly name: string;
  /** What login needs first: the readiness tier the status counts it in. */
  readonly readinessTier: ReadinessTier;
  /** The Flux tier that applies it; absent for the node and the config source, which Flux does not apply. */
  readonly fluxTier?: FluxTierName;
  /** Components that must work before this one can (the root-cause walk follows these). */
  readonly dependsOn: readonly string[];
  /** Not every chart version renders it; absence is not a problem. */
  readonly optional?: boolean;
  /** The HelmRelease that installs it (its workloads carry `helm.toolkit.fluxcd.io/name` or `app.kubernetes.io/instance`). */
  readonly release?: ComponentName;
  /** Within its release (or the platform tier), which workloads are this component's; the release's own entry takes the rest. */
  readonly match?: WorkloadMatch;
  /** Rendered by a Flux tier's Kustomization directly (not through a HelmRelease), in this namespace. */
  readonly kustomized?: { readonly namespace: ApplicationNamespace };
  /** Shown, but not counted for its readiness tier (the alga-core Kustomization also waits for the login app). */
  readonly aggregate?: boolean;
}

/** `flux:<kustomization>`: the status component of a Flux tier. */
export const fluxTierComponent = (tier: FluxTierName): string => `flux:${FLUX_TIER_KUSTOMIZATION[tier]}`;

/**
 * The appliance as the status service sees it, one catalogue with the placement above. Login
 * needs platform, core (database, redis, pgbouncer), the bootstrap job and the web app;
 * everything asynchronous is background (seeds: tiered-bootstrap-status).
 */
export const STATUS_COMPONENTS: readonly StatusComponent[] = [
  { name: "node", readinessTier: "platform", dependsOn: [] },
  { name: "flux-source", readinessTier: "platform", dependsOn: ["node"] },
  { name: fluxTierComponent("platform"), readinessTier: "platform", fluxTier: "platform", dependsOn: ["flux-source"] },
  { name: STATUS_SERVICE.name, readinessTier: "platform", fluxTier: "platform", dependsOn: ["node"], optional: true, kustomized: { namespace: STATUS_SERVICE.namespace }, match: { names: [STATUS_SERVICE.name] } },
  { name: "db", readinessTier: "core", fluxTier: "core", dependsOn: [fluxTierComponent("platform")], release: "alga-core", match: { names: ["db", "postgres", "postgresql"] } },
  { name: "redis", readinessTier: "core", fluxTier: "core", dependsOn: [fluxTierComponent("platform")], release: "alga-core", match: { names: ["redis"] } },
  { name: "pgbouncer", readinessTier: "core", fluxTier: "core", dependsOn: ["db"], release: "pgbouncer" },
  { name: fluxTierComponent("core"), readinessTier: "core", fluxTier: "core", dependsOn: [fluxTierComponent("platform")], optional: true, aggregate: true },
  { name: "bootstrap", readinessTier: "bootstrap", fluxTier: "core", dependsOn: ["db", "pgbouncer"], optional: true, release: "alga-core", match: { names: ["bootstrap"], kinds: ["Job"] } },
  { name: "alga-core", readinessTier: "login", fluxTier: "core", dependsOn: ["db", "redis", "pgbouncer"], release: "alga-core" },
  { name: fluxTierComponent("background"), readinessTier: "background", fluxTier: "background", dependsOn: [fluxTierComponent("core")] },
  { name: "temporal", readinessTier: "background", fluxTier: "background", dependsOn: ["db"], release: "temporal" },
  { name: "temporal-ui", readinessTier: "background", fluxTier: "background", dependsOn: ["temporal"], optional: true, release: "temporal", match: { names: ["temporal-ui", "ui"] } },
  { name: "temporal-worker", readinessTier: "background", fluxTier: "background", dependsOn: ["temporal"], release: "temporal-worker" },
  { name: "workflow-worker", readinessTier: "background", fluxTier: "background", dependsOn: ["temporal"], release: "workflow-worker" },
  { name: "email-service", readinessTier: "background", fluxTier: "background", dependsOn: [], release: "email-service" },
];
