import type { KubernetesObject } from "./rendered-file.js";

export interface SecurityContextSpec {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly procMount?: string;
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  readonly sysctls?: readonly { readonly name: string }[];
}

export interface ContainerSpec {
  readonly name?: string;
  readonly image?: string;
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
  readonly securityContext?: SecurityContextSpec;
  readonly ports?: readonly { readonly hostPort?: number }[];
}

export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContextSpec;
  readonly volumes?: readonly Record<string, unknown>[];
  readonly containers?: readonly ContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly ephemeralContainers?: readonly ContainerSpec[];
}

type Node = Record<string, unknown> | undefined;
const child = (node: Node, key: string): Node => {
  const value = node?.[key];
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
};

/**
 * The pod specs an object will create, with their field path: a Pod's own spec, the template of
 * every workload controller (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ...) and a
 * CronJob's job template. Generic on purpose: any new workload kind with a pod template is covered.
 */
export function podSpecsOf(object: KubernetesObject): { path: string; spec: PodSpec }[] {
  const spec = child(object as Record<string, unknown>, "spec");
  if (object.kind === "Pod" && spec) return [{ path: "spec", spec: spec as PodSpec }];
  const template = child(child(spec, "template"), "spec");
  if (template) return [{ path: "spec.template.spec", spec: template as PodSpec }];
  const jobTemplate = child(child(child(child(spec, "jobTemplate"), "spec"), "template"), "spec");
  if (jobTemplate) return [{ path: "spec.jobTemplate.spec.template.spec", spec: jobTemplate as PodSpec }];
  return [];
}

/** Every container (init, regular, ephemeral) of an object's pod specs, with its field path. */
export function containersOf(object: KubernetesObject): { path: string; container: ContainerSpec; pod: PodSpec }[] {
  return podSpecsOf(object).flatMap(({ path, spec }) => [
    ...(spec.initContainers ?? []).map((container, i) => ({ path: `${path}.initContainers[${i}]`, container, pod: spec })),
    ...(spec.containers ?? []).map((container, i) => ({ path: `${path}.containers[${i}]`, container, pod: spec })),
    ...(spec.ephemeralContainers ?? []).map((container, i) => ({ path: `${path}.ephemeralContainers[${i}]`, container, pod: spec })),
  ]);
}
