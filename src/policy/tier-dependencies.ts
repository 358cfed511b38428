import { describeObject, type KubernetesObject } from "./rendered-file.js";
import { COMPONENT_PLACEMENT, FLUX_TIER_KUSTOMIZATION as TIER_KUSTOMIZATION, FLUX_TIERS as TIERS, type FluxTierName as Tier } from "../../schemas/components.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

interface DependencyRef {
  readonly name?: string;
  readonly namespace?: string;
}

interface Node {
  readonly file: string;
  readonly object: KubernetesObject;
  readonly tier: Tier | undefined;
  readonly dependsOn: readonly string[];
}

const key = (kind: string, namespace: string | undefined, name: string | undefined) => `${kind} ${namespace ?? ""}/${name ?? ""}`;
const tierOfFile = (path: string): Tier | undefined => TIERS.find((tier) => path.startsWith(`config/${tier}/`));
const tierOfKustomization = (name: string | undefined): Tier | undefined => TIERS.find((tier) => TIER_KUSTOMIZATION[tier] === name);

/**
 * Flux dependencies form no cycle and never point up the tier chain: nothing in platform or core
 * depends on background (a background failure must never block login), and every component's
 * HelmRelease lives in the tier the component catalog gives it.
 */
export const tierDependencies: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  const nodes = new Map<string, Node>();
  for (const { file, object } of objectsOf(files)) {
    const isHelmRelease = object.kind === "HelmRelease";
    const isFluxKustomization = object.kind === "Kustomization" && object.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/");
    if (!isHelmRelease && !isFluxKustomization) continue;
    const namespace = object.metadata?.namespace;
    const refs = ((object["spec"] as { dependsOn?: DependencyRef[] } | undefined)?.dependsOn ?? []).map((ref) => key(object.kind, ref.namespace ?? namespace, ref.name));
    const tier = isHelmRelease ? tierOfFile(file.path) : tierOfKustomization(object.metadata?.name);
    nodes.set(key(object.kind, namespace, object.metadata?.name), { file: file.path, object, tier, dependsOn: refs });

    const component = COMPONENT_PLACEMENT[object.metadata?.name as keyof typeof COMPONENT_PLACEMENT];
    if (isHelmRelease && component && file.path.startsWith("config/") && tier !== component.fluxTier) {
      violations.push({
        file: file.path,
        object: describeObject(object),
        field: "metadata.name",
        message: `${object.metadata?.name} belongs to the ${component.fluxTier} tier but is rendered ${tier ? `in ${tier}` : "outside every tier"}: render it into config/${component.fluxTier}/`,
      });
    }
  }

  for (const node of nodes.values()) {
    node.dependsOn.forEach((target, i) => {
      const other = nodes.get(target);
      if (!other || node.tier === undefined || other.tier === undefined) return;
      if (TIERS.indexOf(other.tier) > TIERS.indexOf(node.tier)) {
        violations.push({
          file: node.file,
          object: describeObject(node.object),
          field: `spec.dependsOn[${i}]`,
          message: `a ${node.tier} object depends on ${target} in the ${other.tier} tier: ${node.tier} must never wait for a later tier; remove the dependency`,
        });
      }
    });
  }

  // Depth-first search; an edge back to a node on the current path closes a cycle.
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      const cycle = [...path.slice(path.indexOf(id)), id];
      const node = nodes.get(id)!;
      violations.push({
        file: node.file,
        object: describeObject(node.object),
        field: "spec.dependsOn",
        message: `dependency cycle ${cycle.join(" -> ")}: Flux would never apply any of them; break the cycle`,
      });
      return;
    }
    state.set(id, "visiting");
    for (const target of nodes.get(id)?.dependsOn ?? []) if (nodes.has(target)) visit(target, [...path, id]);
    state.set(id, "done");
  };
  for (const id of [...nodes.keys()].sort()) visit(id, []);
  return violations;
};
