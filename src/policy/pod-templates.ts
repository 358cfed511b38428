import type { KubernetesObject } from "./rendered-file.js";

export interface ContainerSpec {
  readonly name?: string;
  readonly image?: string;
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
}

/** The containers of a workload's pod template, with their field path. */
export function containersOf(object: KubernetesObject): { path: string; container: ContainerSpec }[] {
  const spec = (object["spec"] as { template?: { spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] } } } | undefined)
    ?.template?.spec;
  if (!spec) return [];
  return [
    ...(spec.initContainers ?? []).map((container, i) => ({ path: `spec.template.spec.initContainers[${i}]`, container })),
    ...(spec.containers ?? []).map((container, i) => ({ path: `spec.template.spec.containers[${i}]`, container })),
  ];
}
