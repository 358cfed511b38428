import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { describeObject, type KubernetesObject } from "../policy/rendered-file.js";

/** Stable Pulumi resource name for a rendered object: its kind, namespace and name. */
function resourceName(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  return [object.kind.toLowerCase(), namespace, object.metadata?.name].filter(Boolean).join("-");
}

type ResourceClass = new (name: string, args: never, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** The typed resource class of each rendered `apiVersion/kind` the stack deploys. */
const RESOURCE_CLASSES: Readonly<Record<string, ResourceClass>> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/Service": k8s.core.v1.Service,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
};

/**
 * One typed @pulumi/kubernetes resource for a rendered object. Typed resources (not a YAML
 * ConfigGroup) so the program's resources are visible to previews, diffs and unit tests alike.
 * A kind without an entry above is refused rather than silently dropped.
 */
export function createKubernetesResource(object: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const Resource = RESOURCE_CLASSES[`${object.apiVersion}/${object.kind}`];
  if (!Resource) {
    throw new Error(`${describeObject(object)}: the stack has no typed resource for ${object.apiVersion} ${object.kind}; add it to RESOURCE_CLASSES in src/infra/kubernetes-resource.ts`);
  }
  // The rendered object already passed the upstream schema checks; the cast only drops the JSON typing.
  return new Resource(resourceName(object), object as never, opts);
}
