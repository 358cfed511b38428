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
import { ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { ValidateFunction } from "ajv";
import { UserError } from "../errors.js";
import { fluxSchemaValidators } from "./flux-schema-validators.js";
import { describeObject, isKustomizeFile, type KubernetesObject, type RenderedFile } from "./rendered-file.js";

interface ValidatingModel {
  validate(): void;
}
type ModelConstructor = new (data: never) => ValidatingModel;

/**
 * Kubernetes' OpenAPI models for the core kinds the kit renders, keyed by `apiVersion/kind`. The Flux
 * kinds are checked against Flux's own CRD schemas (fluxSchemaValidators).
 */
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

function modelProblems(model: ValidatingModel, prefix = ""): string[] {
  try {
    model.validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!errors?.length) return [(error as Error).message];
    return errors.map((schemaError) => `${fieldOf({ ...schemaError, instancePath: `${prefix}${schemaError.instancePath ?? ""}` })}: ${schemaError.message ?? "is invalid"}`);
  }
}

/**
 * A Flux object against its CRD schema, and its metadata against Kubernetes' ObjectMeta (the CRD
 * schema says only "object" there: the API server checks metadata itself, as the core models do).
 */
function fluxProblems(validate: ValidateFunction, object: KubernetesObject): string[] {
  const problems = validate(object) ? [] : (validate.errors ?? []).map((schemaError) => `${fieldOf(schemaError)}: ${schemaError.message ?? "is invalid"}`);
  const metadata = (object as { metadata?: unknown }).metadata;
  if (metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)) {
    problems.push(...modelProblems(new ObjectMeta(structuredClone(metadata) as never), "/metadata"));
  }
  return problems;
}

/** Validates one object against its upstream schema; returns one line per problem. */
export function upstreamSchemaProblems(object: KubernetesObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (Model) return modelProblems(new Model(structuredClone(object) as never));
  const flux = fluxSchemaValidators()[key];
  if (flux) return fluxProblems(flux, object);
  return [`no upstream schema is known for ${object.apiVersion} ${object.kind}; add its model or schema to src/synth/upstream-schemas.ts`];
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
