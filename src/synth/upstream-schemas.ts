// One module per model: the package barrels load every kind and cost ~0.5 s of start-up.
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Service } from "kubernetes-models/v1/Service";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { OCIRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/OCIRepository";
import { HelmRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/HelmRepository";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2/HelmRelease";
import { UserError } from "../errors.js";
import { describeObject, isKustomizeFile, type KubernetesObject, type RenderedFile } from "./rendered-file.js";

interface ValidatingModel {
  validate(): void;
}
type ModelConstructor = new (data: never) => ValidatingModel;

/** Upstream OpenAPI models for every kind the kit renders, keyed by `apiVersion/kind`. */
const MODELS: Record<string, ModelConstructor> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "apps/v1/Deployment": Deployment,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "source.toolkit.fluxcd.io/v1/OCIRepository": OCIRepository,
  "source.toolkit.fluxcd.io/v1/HelmRepository": HelmRepository,
  "source.toolkit.fluxcd.io/v1/GitRepository": GitRepository,
  "kustomize.toolkit.fluxcd.io/v1/Kustomization": Kustomization,
  "helm.toolkit.fluxcd.io/v2/HelmRelease": HelmRelease,
};

interface SchemaError {
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

function fieldOf(error: SchemaError): string {
  const path = (error.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".");
  const extra = error.params?.["additionalProperty"] ?? error.params?.["missingProperty"];
  return [path, extra].filter(Boolean).join(".") || "(root)";
}

/** Validates one object against its upstream schema; returns one line per problem. */
export function upstreamSchemaProblems(object: KubernetesObject): string[] {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return [`no upstream schema is known for ${object.apiVersion} ${object.kind}; add its model to src/synth/upstream-schemas.ts`];
  try {
    new Model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!errors?.length) return [(error as Error).message];
    return errors.map((schemaError) => `${fieldOf(schemaError)}: ${schemaError.message ?? "is invalid"}`);
  }
}

/** Validates every object of every file; throws one `UserError` listing each file, object and field. */
export function validateAgainstUpstreamSchemas(files: readonly RenderedFile[], origin: string): void {
  const problems: string[] = [];
  for (const file of files) {
    for (const object of file.objects) {
      if (isKustomizeFile(object)) continue;
      for (const problem of upstreamSchemaProblems(object)) problems.push(`  ${file.path}: ${describeObject(object)}: ${problem}`);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`${origin}: rendered objects fail the upstream Kubernetes/Flux schemas:\n${problems.join("\n")}`);
  }
}
