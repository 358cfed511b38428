import { COMPONENTS_BY_NAME, TIER_HELM_RELEASES, assignComponents, ownerWorkloadKey, type ApplianceComponent } from "./appliance-components.js";
import { objectKey, type KubeObject } from "./cluster-snapshot.js";

/** One object in the walk: what it is, which component it belongs to, and what it needs. */
export interface GraphNode {
  readonly key: string;
  readonly object: KubeObject;
  readonly component: ApplianceComponent;
  /** Keys of the objects this one needs to be ready first. */
  readonly needs: Set<string>;
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "Job"]);
const ROUTING_KINDS = new Set(["Service", "EndpointSlice"]);

function key(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

/**
 * The objects a Kustomization's health check names: kustomize-controller writes
 * `timeout waiting for: [Deployment/ns/name status: 'InProgress', …]` and
 * `failed early due to stalled resources: [HelmRelease/ns/name status: 'Failed']`.
 */
function healthCheckObjects(message: string | undefined): { kind: string; namespace: string | undefined; name: string }[] {
  const found: { kind: string; namespace: string | undefined; name: string }[] = [];
  for (const match of (message ?? "").matchAll(/([A-Z][A-Za-z]+)\/(?:([a-z0-9.-]+)\/)?([a-z0-9.-]+) status: '[A-Za-z]+'/g)) {
    found.push({ kind: match[1]!, namespace: match[2], name: match[3]! });
  }
  return found;
}

/**
 * Edges "A needs B" between the appliance's objects of a snapshot (objects that are not the
 * appliance's, by ownership, are left out):
 * - Flux: a Kustomization needs its `dependsOn`, its source, the HelmReleases it applies (its
 *   inventory, else the tier's known releases) and the objects its failed health check names;
 *   a HelmRelease needs its `dependsOn`, its chart source and the workloads it installed;
 * - workloads need their pods (owner references); pods need the PVCs they mount and their node;
 * - every object of a component needs the workloads of the components it depends on (the
 *   bootstrap job needs the database), which is how a Helm timeout leads to a Postgres error.
 */
export function buildDependencyGraph(objects: readonly KubeObject[], components: ReadonlyMap<string, ApplianceComponent> = assignComponents(objects)): Map<string, GraphNode> {
  const nodes = new Map<string, GraphNode>();
  for (const object of objects) {
    const component = components.get(objectKey(object));
    // Services and their EndpointSlices are not steps of the install: service-endpoints.ts reads them for login readiness.
    if (object.kind === "Event" || ROUTING_KINDS.has(object.kind) || !component) continue;
    nodes.set(objectKey(object), { key: objectKey(object), object, component, needs: new Set() });
  }
  const workloadsByComponent = new Map<string, string[]>();
  const workloadsByRelease = new Map<string, string[]>();
  const nodeKeys: string[] = [];
  const add = (map: Map<string, string[]>, name: string, value: string) => {
    const list = map.get(name);
    if (list) list.push(value);
    else map.set(name, [value]);
  };

  for (const node of nodes.values()) {
    if (node.object.kind === "Node") nodeKeys.push(node.key);
    if (!WORKLOAD_KINDS.has(node.object.kind)) continue;
    add(workloadsByComponent, node.component.name, node.key);
    const release = node.component.release;
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
          if (kind && name && (kind === "HelmRelease" || WORKLOAD_KINDS.has(kind))) link(node, key(kind, entryNamespace || undefined, name));
        }
      } else {
        for (const release of TIER_HELM_RELEASES[object.metadata.name] ?? []) {
          for (const other of nodes.values()) {
            if (other.object.kind === "HelmRelease" && other.object.metadata.name === release) link(node, other.key);
          }
        }
      }
      const conditions = (object.status?.["conditions"] as { type: string; status: string; message?: string }[] | undefined) ?? [];
      const ready = conditions.find((c) => c.type === "Ready");
      if (ready?.status === "False") {
        for (const named of healthCheckObjects(ready.message)) link(node, key(named.kind, named.namespace, named.name));
      }
    }
    if (object.kind === "HelmRelease") {
      for (const workload of workloadsByRelease.get(object.metadata.name) ?? []) link(node, workload);
      const chartRef = spec["chartRef"] as { kind: string; name: string; namespace?: string } | undefined;
      if (chartRef) link(node, key(chartRef.kind, chartRef.namespace ?? namespace, chartRef.name));
    }
    if (object.kind === "Pod") {
      const owner = ownerWorkloadKey(object);
      const parent = owner ? nodes.get(owner) : undefined;
      if (parent) parent.needs.add(node.key);
      for (const volume of (spec["volumes"] as { persistentVolumeClaim?: { claimName: string } }[] | undefined) ?? []) {
        if (volume.persistentVolumeClaim) link(node, key("PersistentVolumeClaim", namespace, volume.persistentVolumeClaim.claimName));
      }
      // A pod needs the node it runs on; a pod not yet scheduled needs any node that would take it.
      const nodeName = spec["nodeName"] as string | undefined;
      if (nodeName) link(node, key("Node", undefined, nodeName));
      else for (const k of nodeKeys) link(node, k);
    }
    // Component-level dependencies: only workloads and pods, so Flux aggregates keep their own edges.
    if (WORKLOAD_KINDS.has(object.kind) || object.kind === "Pod") {
      for (const dependency of node.component.dependsOn) {
        if (!COMPONENTS_BY_NAME.has(dependency)) continue;
        for (const workload of workloadsByComponent.get(dependency) ?? []) link(node, workload);
      }
    }
  }
  return nodes;
}
