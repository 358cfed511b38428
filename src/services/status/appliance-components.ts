import type { ComponentTier } from "../../../schemas/status.js";
import type { KubeObject } from "./cluster-snapshot.js";
import { COMPONENT_NAMES, COMPONENT_PLACEMENT, TIER_KUSTOMIZATION, TIERS } from "../../../schemas/components.js";

/** A part of the appliance the status reports on, its tier and what it needs to work. */
export interface ApplianceComponent {
  readonly name: string;
  readonly tier: ComponentTier;
  /** Components that must be ready before this one can be (the walk ranks their failures as root causes). */
  readonly dependsOn: readonly string[];
  /** Not every chart version renders it; absence is not a problem. */
  readonly optional?: boolean;
  /** The HelmRelease that installs it. */
  readonly helmRelease?: string;
  /**
   * Shown, but not counted for its tier's readiness: the alga-core Kustomization waits for the
   * login app too, so counting it would make the core tier wait for login.
   */
  readonly aggregate?: boolean;
}

/**
 * The appliance as the status service sees it. Login needs platform, core (database, redis,
 * pgbouncer), the bootstrap job and the web app; everything asynchronous is background, so a
 * background failure never blocks login (seeds: tiered-bootstrap-status).
 */
export const APPLIANCE_COMPONENTS: readonly ApplianceComponent[] = [
  { name: "node", tier: "platform", dependsOn: [] },
  { name: "flux-source", tier: "platform", dependsOn: ["node"] },
  { name: "flux:alga-platform", tier: "platform", dependsOn: ["flux-source"] },
  { name: "appliance-status", tier: "platform", dependsOn: ["node"], optional: true },
  { name: "db", tier: "core", dependsOn: ["flux:alga-platform"], helmRelease: "alga-core" },
  { name: "redis", tier: "core", dependsOn: ["flux:alga-platform"], helmRelease: "alga-core" },
  { name: "pgbouncer", tier: "core", dependsOn: ["db"], helmRelease: "pgbouncer" },
  { name: "flux:alga-core", tier: "core", dependsOn: ["flux:alga-platform"], optional: true, aggregate: true },
  { name: "bootstrap", tier: "bootstrap", dependsOn: ["db", "pgbouncer"], optional: true, helmRelease: "alga-core" },
  { name: "alga-core", tier: "login", dependsOn: ["db", "redis", "pgbouncer"], helmRelease: "alga-core" },
  { name: "flux:alga-background", tier: "background", dependsOn: ["flux:alga-core"] },
  { name: "temporal", tier: "background", dependsOn: ["db"], helmRelease: "temporal" },
  { name: "temporal-ui", tier: "background", dependsOn: ["temporal"], optional: true, helmRelease: "temporal" },
  { name: "temporal-worker", tier: "background", dependsOn: ["temporal"], helmRelease: "temporal-worker" },
  { name: "workflow-worker", tier: "background", dependsOn: ["temporal"], helmRelease: "workflow-worker" },
  { name: "email-service", tier: "background", dependsOn: [], helmRelease: "email-service" },
];

export const COMPONENTS_BY_NAME: ReadonlyMap<string, ApplianceComponent> = new Map(APPLIANCE_COMPONENTS.map((c) => [c.name, c]));

/** Which Kustomization tier applies which HelmReleases, when the Kustomization carries no inventory. */
export const TIER_HELM_RELEASES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  TIERS.map((tier) => [TIER_KUSTOMIZATION[tier], COMPONENT_NAMES.filter((name) => COMPONENT_PLACEMENT[name].tier === tier)]),
);

/** The config bundle's Flux source, created by setup. */
const CONFIG_SOURCE_KINDS = new Set(["OCIRepository", "GitRepository", "HelmRepository", "Bucket", "HelmChart"]);

/**
 * Pod and workload names start with their component's name (`temporal-ui-…`, `db-0`,
 * `alga-core-sebastian-bootstrap-r1-…`). Longer, more specific prefixes are tried first.
 */
const NAME_PREFIXES: readonly [string, string][] = [
  ["alga-core-sebastian-bootstrap", "bootstrap"],
  ["temporal-worker", "temporal-worker"],
  ["temporal-ui", "temporal-ui"],
  ["workflow-worker", "workflow-worker"],
  ["email-service", "email-service"],
  ["appliance-status", "appliance-status"],
  ["pgbouncer", "pgbouncer"],
  ["alga-core", "alga-core"],
  ["temporal", "temporal"],
  ["redis", "redis"],
  ["db", "db"],
];

function byNamePrefix(name: string): string | undefined {
  for (const [prefix, component] of NAME_PREFIXES) {
    if (name === prefix || name.startsWith(`${prefix}-`)) return component;
  }
  if (/bootstrap/.test(name) && name.startsWith("alga-core")) return "bootstrap";
  return undefined;
}

/** The component an object belongs to, or undefined for objects the status does not track. */
export function componentOf(object: KubeObject): ApplianceComponent | undefined {
  const name = object.metadata.name;
  let component: string | undefined;
  if (object.kind === "Node") component = "node";
  else if (object.kind === "Kustomization") component = COMPONENTS_BY_NAME.has(`flux:${name}`) ? `flux:${name}` : undefined;
  else if (CONFIG_SOURCE_KINDS.has(object.kind)) component = "flux-source";
  else if (object.kind === "HelmRelease") component = COMPONENTS_BY_NAME.has(name) ? name : undefined;
  else if (object.kind === "Event") component = undefined;
  else {
    const labels = object.metadata.labels ?? {};
    component = byNamePrefix(labels["app.kubernetes.io/component"] === "bootstrap" ? "alga-core-sebastian-bootstrap" : name);
    if (!component && labels["app.kubernetes.io/name"]) component = byNamePrefix(labels["app.kubernetes.io/name"]);
  }
  return component ? COMPONENTS_BY_NAME.get(component) : undefined;
}

/** Login cannot work while a component of these tiers is broken. */
export function isLoginBlockingTier(tier: ComponentTier): boolean {
  return tier !== "background";
}

export const TIER_ORDER: Readonly<Record<ComponentTier, number>> = { platform: 0, core: 1, bootstrap: 2, login: 3, background: 4 };
