import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { describeObject, type KubernetesObject } from "../policy/rendered-file.js";

/** Stable Pulumi resource name for a rendered object: its kind, namespace and name. */
function resourceName(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  return [object.kind.toLowerCase(), namespace, object.metadata?.name].filter(Boolean).join("-");
}

/**
 * One typed @pulumi/kubernetes resource for a rendered object. Typed resources (not a YAML
 * ConfigGroup) so the program's resources are visible to previews, diffs and unit tests alike.
 * A kind without a case here is refused rather than silently dropped.
 */
export function createKubernetesResource(object: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = resourceName(object);
  // The rendered object already passed the upstream schema checks; the cast only drops the JSON typing.
  const args = object as never;
  switch (`${object.apiVersion}/${object.kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, args, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, args, opts);
    case "v1/ConfigMap":
      return new k8s.core.v1.ConfigMap(name, args, opts);
    case "v1/PersistentVolumeClaim":
      return new k8s.core.v1.PersistentVolumeClaim(name, args, opts);
    case "v1/ServiceAccount":
      return new k8s.core.v1.ServiceAccount(name, args, opts);
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, args, opts);
    case "rbac.authorization.k8s.io/v1/Role":
      return new k8s.rbac.v1.Role(name, args, opts);
    case "rbac.authorization.k8s.io/v1/RoleBinding":
      return new k8s.rbac.v1.RoleBinding(name, args, opts);
    case "networking.k8s.io/v1/NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(name, args, opts);
    case "policy/v1/PodDisruptionBudget":
      return new k8s.policy.v1.PodDisruptionBudget(name, args, opts);
    default:
      throw new Error(
        `${describeObject(object)}: the stack has no typed resource for ${object.apiVersion} ${object.kind}; add a case to src/infra/kubernetes-resource.ts`,
      );
  }
}
