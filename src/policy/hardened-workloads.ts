import { describeObject, type KubernetesObject } from "./rendered-file.js";
import { containersOf, podSpecsOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

interface ContainerLimits {
  readonly resources?: { readonly limits?: Record<string, unknown>; readonly requests?: Record<string, unknown> };
  readonly securityContext?: { readonly readOnlyRootFilesystem?: boolean };
}

/** Whether a NetworkPolicy in the same namespace selects pods with these labels (matchLabels only). */
function selects(policy: KubernetesObject, namespace: string | undefined, labels: Record<string, string>): boolean {
  if (policy.metadata?.namespace !== namespace) return false;
  const selector = (policy["spec"] as { podSelector?: { matchLabels?: Record<string, string> } } | undefined)?.podSelector;
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/**
 * Workloads that run beside other parties' services (the vendor stack's): every container has CPU
 * and memory limits and a read-only root filesystem, and every pod is selected by a NetworkPolicy
 * of its namespace. Not part of POLICIES: the release's own workloads (charts) are held to it
 * where their charts allow, through values, not here.
 */
export const hardenedWorkloads: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  const objects = [...objectsOf(files)];
  const networkPolicies = objects.map(({ object }) => object).filter((object) => object.kind === "NetworkPolicy");
  for (const { file, object } of objects) {
    const push = (field: string, message: string) => violations.push({ file: file.path, object: describeObject(object), field, message });
    for (const { path, container } of containersOf(object)) {
      const spec = container as ContainerLimits;
      for (const resource of ["cpu", "memory"]) {
        if (spec.resources?.limits?.[resource] === undefined) push(`${path}.resources.limits.${resource}`, `has no ${resource} limit: set resources.limits.${resource}`);
      }
      if (spec.securityContext?.readOnlyRootFilesystem !== true) {
        push(`${path}.securityContext.readOnlyRootFilesystem`, "may write its root filesystem: set readOnlyRootFilesystem: true (mount an emptyDir where it must write)");
      }
    }
    for (const { path } of podSpecsOf(object)) {
      const template = (object["spec"] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template;
      const labels = template?.metadata?.labels ?? {};
      if (!networkPolicies.some((policy) => selects(policy, object.metadata?.namespace, labels))) {
        push(path.replace(/\.spec$/, ".metadata.labels"), "no NetworkPolicy selects these pods: add one that allows only the traffic they need");
      }
    }
  }
  return violations;
};
