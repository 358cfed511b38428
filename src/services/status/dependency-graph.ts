import { COMPONENTS_BY_NAME, TIER_HELM_RELEASES, componentOf, type ApplianceComponent } from "./appliance-components.js";
import { objectKey, type KubeObject } from "./cluster-snapshot.js";

/** One object in the walk: what it is, which component it belongs to, and what it needs. */
export interface GraphNode {
  readonly key: string;
  readonly object: KubeObject;
  readonly component: ApplianceComponent | undefined;
  /** Keys of the objects this one needs to be ready first. */
  readonly needs: Set<string>;
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "Job"]);

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

/**
 * Edges "A needs B" between the objects of a snapshot:
 * - Flux: a Kustomization needs its `dependsOn` and its source, and the HelmReleases it applies
 *   (its inventory, else the tier's known releases); a HelmRelease needs its `dependsOn` and the
 *   workloads it installed (`helm.toolkit.fluxcd.io/name` label, else the component's release);
 * - workloads need their pods (ownerReferences; a Deployment's pods through its ReplicaSet name);
 * - pods need the PVCs they mount;
 * - every object of a component needs the workloads of the components it depends on (the
 *   bootstrap job needs the database), which is how a Helm timeout leads to a Postgres error.
 */
export function buildDependencyGraph(objects: readonly KubeObject[]): Map<string, GraphNode> {
  const nodes = new Map<string, GraphNode>();
  for (const object of objects) {
    if (object.kind === "Event") continue;
    nodes.set(objectKey(object), { key: objectKey(object), object, component: componentOf(object), needs: new Set() });
  }
  const workloadsByComponent = new Map<string, string[]>();
  const workloadsByRelease = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, name: string, value: string) => map.set(name, [...(map.get(name) ?? []), value]);

  for (const node of nodes.values()) {
    if (!WORKLOAD_KINDS.has(node.object.kind)) continue;
    if (node.component) add(workloadsByComponent, node.component.name, node.key);
    const release = node.object.metadata.labels?.["helm.toolkit.fluxcd.io/name"] ?? node.component?.helmRelease;
    if (release) add(workloadsByRelease, release, node.key);
  }

  const link = (from: GraphNode, to: string): void => {
    if (to !== from.key && nodes.has(to)) from.needs.add(to);
  };

  for (const node of nodes.values()) {
    const { object } = node;
    const namespace = object.metadata.namespace;
    const spec = object.spec ?? {};
    if (object.kind === "Kustomization" || object.kind === "HelmRelease") {
      for (const dependency of (spec["dependsOn"] as { name: string; namespace?: string }[] | undefined) ?? []) {
        link(node, key(object.kind, dependency.namespace ?? namespace, dependency.name));
      }
    }
    if (object.kind === "Kustomization") {
      const source = spec["sourceRef"] as { kind: string; name: string; namespace?: string } | undefined;
      if (source) link(node, key(source.kind, source.namespace ?? namespace, source.name));
      const inventory = (object.status?.["inventory"] as { entries?: { id: string }[] } | undefined)?.entries;
      if (inventory) {
        for (const { id } of inventory) {
          // Flux inventory ids are namespace_name_group_kind.
          const [entryNamespace, name, , kind] = id.split("_");
          if (kind === "HelmRelease" && name) link(node, key(kind, entryNamespace || undefined, name));
        }
      } else {
        for (const release of TIER_HELM_RELEASES[object.metadata.name] ?? []) {
          for (const other of nodes.values()) {
            if (other.object.kind === "HelmRelease" && other.object.metadata.name === release) link(node, other.key);
          }
        }
      }
    }
    if (object.kind === "HelmRelease") {
      for (const workload of workloadsByRelease.get(object.metadata.name) ?? []) link(node, workload);
      const chartRef = spec["chartRef"] as { kind: string; name: string; namespace?: string } | undefined;
      if (chartRef) link(node, key(chartRef.kind, chartRef.namespace ?? namespace, chartRef.name));
    }
    if (object.kind === "Pod") {
      for (const owner of object.metadata.ownerReferences ?? []) {
        if (owner.kind === "ReplicaSet") {
          // A ReplicaSet is named <deployment>-<pod-template-hash>.
          const hash = object.metadata.labels?.["pod-template-hash"];
          const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name.replace(/-[a-z0-9]+$/, "");
          const parent = nodes.get(key("Deployment", namespace, deployment));
          if (parent) parent.needs.add(node.key);
        } else {
          const parent = nodes.get(key(owner.kind, namespace, owner.name));
          if (parent) parent.needs.add(node.key);
        }
      }
      for (const volume of (spec["volumes"] as { persistentVolumeClaim?: { claimName: string } }[] | undefined) ?? []) {
        if (volume.persistentVolumeClaim) link(node, key("PersistentVolumeClaim", namespace, volume.persistentVolumeClaim.claimName));
      }
    }
    // Component-level dependencies: only workloads and pods, so Flux aggregates keep their own edges.
    if (node.component && (WORKLOAD_KINDS.has(object.kind) || object.kind === "Pod")) {
      for (const dependency of node.component.dependsOn) {
        if (!COMPONENTS_BY_NAME.has(dependency)) continue;
        for (const workload of workloadsByComponent.get(dependency) ?? []) link(node, workload);
      }
    }
  }
  return nodes;
}
