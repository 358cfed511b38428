import type { ComponentTier } from "../../../schemas/status.js";
import {
  APPLICATION_NAMESPACES,
  COMPONENT_NAMES,
  COMPONENT_PLACEMENT,
  CONFIG_SOURCE,
  FLUX_NAMESPACE,
  FLUX_TIER_KUSTOMIZATION,
  FLUX_TIERS,
  STATUS_COMPONENTS,
  fluxTierComponent,
  type ComponentName,
  type StatusComponent,
} from "../../../schemas/components.js";
import { objectKey, type KubeObject } from "./cluster-snapshot.js";
import { APPLIANCE_NAME } from "../../../schemas/names.js";

/** A catalogue entry (schemas/components.ts) with its readiness tier under the name the status uses. */
export interface ApplianceComponent extends StatusComponent {
  readonly tier: ComponentTier;
}

/** The one catalogue (schemas/components.ts), as the status service reads it. */
export const APPLIANCE_COMPONENTS: readonly ApplianceComponent[] = STATUS_COMPONENTS.map((c) => ({ ...c, tier: c.readinessTier }));

export const COMPONENTS_BY_NAME: ReadonlyMap<string, ApplianceComponent> = new Map(APPLIANCE_COMPONENTS.map((c) => [c.name, c]));

/** Which Kustomization tier applies which HelmReleases, when the Kustomization carries no inventory. */
export const TIER_HELM_RELEASES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  FLUX_TIERS.map((tier) => [FLUX_TIER_KUSTOMIZATION[tier], COMPONENT_NAMES.filter((name) => COMPONENT_PLACEMENT[name].fluxTier === tier)]),
);

const TIER_BY_KUSTOMIZATION = new Map(FLUX_TIERS.map((tier) => [FLUX_TIER_KUSTOMIZATION[tier], tier]));
const APPLICATION_NAMESPACE_SET: ReadonlySet<string> = new Set(APPLICATION_NAMESPACES);
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]);
const FLUX_SOURCE_KINDS = new Set(["OCIRepository", "HelmRepository", "HelmChart", "GitRepository", "Bucket"]);

/** The label keys that say what rendered an object. */
const HELM_NAME = "helm.toolkit.fluxcd.io/name";
const HELM_NAMESPACE = "helm.toolkit.fluxcd.io/namespace";
const INSTANCE = "app.kubernetes.io/instance";
const KUSTOMIZE_NAME = "kustomize.toolkit.fluxcd.io/name";
const KUSTOMIZE_NAMESPACE = "kustomize.toolkit.fluxcd.io/namespace";

function isComponentName(name: string | undefined): name is ComponentName {
  return name !== undefined && (COMPONENT_NAMES as readonly string[]).includes(name);
}

/** A name matches when it is the word itself or contains it as a whole dash-separated part (`alga-core-sebastian-bootstrap-r1`). */
function nameMatches(value: string | undefined, word: string): boolean {
  if (!value) return false;
  return value === word || value.startsWith(`${word}-`) || value.endsWith(`-${word}`) || value.includes(`-${word}-`);
}

function matches(entry: StatusComponent, object: KubeObject): "kind" | "name" | undefined {
  const match = entry.match;
  if (!match) return undefined;
  if (match.kinds?.includes(object.kind)) return "kind";
  const labels = object.metadata.labels ?? {};
  const candidates = [labels["app.kubernetes.io/component"], labels["app.kubernetes.io/name"], object.metadata.name];
  for (const word of match.names ?? []) if (candidates.some((c) => nameMatches(c, word))) return "name";
  return undefined;
}

/** The component of a workload (or a pod without a listed workload) from its own labels, or undefined. */
function byRenderer(object: KubeObject): ApplianceComponent | undefined {
  const namespace = object.metadata.namespace;
  if (!namespace || !APPLICATION_NAMESPACE_SET.has(namespace)) return undefined;
  const labels = object.metadata.labels ?? {};
  const release = labels[HELM_NAME] ?? labels[INSTANCE];
  if (isComponentName(release)) {
    const placement = COMPONENT_PLACEMENT[release];
    // A release of the same name installed elsewhere (another team's "temporal") is not the appliance's.
    if (namespace !== placement.namespace || (labels[HELM_NAMESPACE] !== undefined && labels[HELM_NAMESPACE] !== placement.namespace)) return undefined;
    const entries = APPLIANCE_COMPONENTS.filter((c) => c.release === release && c.name !== release);
    return entries.find((c) => matches(c, object) === "kind") ?? entries.find((c) => matches(c, object) === "name") ?? COMPONENTS_BY_NAME.get(release);
  }
  const tier = TIER_BY_KUSTOMIZATION.get(labels[KUSTOMIZE_NAME] ?? "");
  if (tier && (labels[KUSTOMIZE_NAMESPACE] ?? FLUX_NAMESPACE) === FLUX_NAMESPACE) {
    const entry = APPLIANCE_COMPONENTS.find((c) => c.kustomized?.namespace === namespace && c.fluxTier === tier && matches(c, object));
    return entry ?? COMPONENTS_BY_NAME.get(fluxTierComponent(tier));
  }
  // Objects the platform tier applies, seen before Flux labelled them (a snapshot from a hand apply).
  if (labels["app.kubernetes.io/part-of"] === APPLIANCE_NAME) {
    return APPLIANCE_COMPONENTS.find((c) => c.kustomized?.namespace === namespace && matches(c, object));
  }
  return undefined;
}

/** The label the EndpointSlice controller sets on every slice: the name of its Service. */
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/** `Service/<namespace>/<name>` of the Service an EndpointSlice serves, or undefined for a slice without the label. */
export function serviceKeyOf(slice: KubeObject): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `Service/${slice.metadata.namespace ?? ""}/${name}` : undefined;
}

/** The workload a pod belongs to, by its owner references: ReplicaSet → Deployment (by pod-template-hash), StatefulSet, Job. */
export function ownerWorkloadKey(pod: KubeObject): string | undefined {
  const owner = pod.metadata.ownerReferences?.find((o) => (o as { controller?: boolean }).controller !== false) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return undefined;
  const namespace = pod.metadata.namespace;
  if (owner.kind === "ReplicaSet") {
    const hash = pod.metadata.labels?.["pod-template-hash"];
    const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name.replace(/-[a-z0-9]+$/, "");
    return `Deployment/${namespace ?? ""}/${deployment}`;
  }
  return `${owner.kind}/${namespace ?? ""}/${owner.name}`;
}

/**
 * Which objects of a snapshot belong to the appliance, and to which component: by namespace and
 * what rendered them (Helm/Flux labels), pods through their owners, PVCs through the pods that
 * mount them, chart sources through the HelmRelease that uses them, EndpointSlices through their
 * Service. A name alone never counts:
 * a `db-backup-…` pod in another namespace is not the appliance database.
 */
export function assignComponents(objects: readonly KubeObject[]): Map<string, ApplianceComponent> {
  const assigned = new Map<string, ApplianceComponent>();
  const set = (object: KubeObject, name: string | undefined) => {
    const component = name === undefined ? undefined : COMPONENTS_BY_NAME.get(name);
    if (component) assigned.set(objectKey(object), component);
  };
  const present = new Set(objects.map(objectKey));
  const pods: KubeObject[] = [];
  const claims: KubeObject[] = [];
  const releases: KubeObject[] = [];
  const slices: KubeObject[] = [];
  for (const object of objects) {
    const { kind, metadata } = object;
    if (kind === "Event") continue;
    if (kind === "Node") set(object, "node");
    else if (kind === CONFIG_SOURCE.kind && metadata.namespace === CONFIG_SOURCE.namespace && metadata.name === CONFIG_SOURCE.name) set(object, "flux-source");
    else if (kind === "Kustomization" && metadata.namespace === FLUX_NAMESPACE && TIER_BY_KUSTOMIZATION.has(metadata.name)) set(object, `flux:${metadata.name}`);
    else if (kind === "HelmRelease") {
      if (isComponentName(metadata.name) && metadata.namespace === COMPONENT_PLACEMENT[metadata.name].namespace) {
        set(object, metadata.name);
        releases.push(object);
      }
    } else if (kind === "Pod") pods.push(object);
    else if (kind === "PersistentVolumeClaim") claims.push(object);
    else if (kind === "EndpointSlice") slices.push(object);
    else if (WORKLOAD_KINDS.has(kind) || kind === "Service") {
      const component = byRenderer(object);
      if (component) assigned.set(objectKey(object), component);
    }
  }
  // Chart sources belong to the release that installs from them.
  for (const release of releases) {
    const chartRef = release.spec?.["chartRef"] as { kind?: string; name?: string; namespace?: string } | undefined;
    if (chartRef?.kind && chartRef.name) {
      const key = `${chartRef.kind}/${chartRef.namespace ?? release.metadata.namespace ?? ""}/${chartRef.name}`;
      if (FLUX_SOURCE_KINDS.has(chartRef.kind)) assigned.set(key, assigned.get(objectKey(release))!);
    }
  }
  for (const pod of pods) {
    const owner = ownerWorkloadKey(pod);
    let component = owner ? assigned.get(owner) : undefined;
    // The pod's own labels only when its workload was not listed (a ReplicaSet's Deployment missing from a hand-made snapshot).
    if (!component && (!owner || !present.has(owner))) component = byRenderer(pod);
    if (component) assigned.set(objectKey(pod), component);
  }
  // An EndpointSlice belongs to its Service (the kubernetes.io/service-name label); its own labels,
  // which the EndpointSlice controller copies from the Service, only when the Service was not listed.
  for (const slice of slices) {
    const service = serviceKeyOf(slice);
    const component = service ? assigned.get(service) : undefined;
    if (component) assigned.set(objectKey(slice), component);
    else if (!service || !present.has(service)) set(slice, byRenderer(slice)?.name);
  }
  const claimKeys = new Set(claims.map(objectKey));
  for (const pod of [...pods].sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1))) {
    const component = assigned.get(objectKey(pod));
    if (!component) continue;
    for (const volume of (pod.spec?.["volumes"] as { persistentVolumeClaim?: { claimName: string } }[] | undefined) ?? []) {
      const key = `PersistentVolumeClaim/${pod.metadata.namespace ?? ""}/${volume.persistentVolumeClaim?.claimName ?? ""}`;
      if (volume.persistentVolumeClaim && claimKeys.has(key) && !assigned.has(key)) assigned.set(key, component);
    }
  }
  return assigned;
}

const SCOPE_NAMESPACES: ReadonlySet<string> = new Set([...APPLICATION_NAMESPACES, FLUX_NAMESPACE]);

/**
 * Whether an object can matter to the appliance's status at all: nodes, and what lives in (or,
 * for an event, is about something in) the application and Flux namespaces. Everything else is
 * dropped as it is read, so a cluster of other tenants' objects costs the status service neither
 * memory nor classification time.
 */
export function inApplianceScope(object: KubeObject): boolean {
  if (object.kind === "Node") return true;
  if (object.kind === "Event") {
    const involved = (object["involvedObject"] ?? object["regarding"]) as { kind?: string; namespace?: string } | undefined;
    return involved?.kind === "Node" || SCOPE_NAMESPACES.has(involved?.namespace ?? object.metadata.namespace ?? "");
  }
  return SCOPE_NAMESPACES.has(object.metadata.namespace ?? "");
}

/** Login cannot work while a component of these tiers is broken. */
export function isLoginBlockingTier(tier: ComponentTier): boolean {
  return tier !== "background";
}

export const TIER_ORDER: Readonly<Record<ComponentTier, number>> = { platform: 0, core: 1, bootstrap: 2, login: 3, background: 4 };
