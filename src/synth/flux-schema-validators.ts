import { Ajv, type ValidateFunction } from "ajv";
// Imported, not read at run time: the vendored Flux CRD schemas (schemas/upstream/flux/README.md).
import gitRepository from "../../schemas/upstream/flux/source.toolkit.fluxcd.io_v1_GitRepository.json" with { type: "json" };
import helmRepository from "../../schemas/upstream/flux/source.toolkit.fluxcd.io_v1_HelmRepository.json" with { type: "json" };
import ociRepository from "../../schemas/upstream/flux/source.toolkit.fluxcd.io_v1_OCIRepository.json" with { type: "json" };
import kustomization from "../../schemas/upstream/flux/kustomize.toolkit.fluxcd.io_v1_Kustomization.json" with { type: "json" };
import helmRelease from "../../schemas/upstream/flux/helm.toolkit.fluxcd.io_v2_HelmRelease.json" with { type: "json" };

/**
 * How ajv reads Flux's CRD schemas: strict, with the Kubernetes extensions it cannot evaluate named as
 * annotations (CEL rules need the API server; unknown fields pass as the API server prunes them) and
 * the two formats Flux uses accepted as written (`type` still holds: int64 fields are integers).
 * bin/build.mjs (FLUX_AJV_OPTIONS there) compiles the same schemas ahead of time with the same
 * options: change both together.
 */
const FLUX_AJV_OPTIONS = {
  allErrors: true,
  strict: true,
  keywords: ["x-kubernetes-validations", "x-kubernetes-preserve-unknown-fields"],
  formats: { int64: true, "date-time": true },
} as const;

const SCHEMAS = [ociRepository, helmRepository, gitRepository, kustomization, helmRelease];

let compiled: Record<string, ValidateFunction> | undefined;

/**
 * ajv's validators for the vendored Flux schemas, keyed by `apiVersion/kind` (each schema's `$id`),
 * compiled once per process. The build replaces this module with ajv's standalone code for the
 * same schemas and options, so a built synth compiles nothing.
 */
export function fluxSchemaValidators(): Record<string, ValidateFunction> {
  if (!compiled) {
    const ajv = new Ajv({ ...FLUX_AJV_OPTIONS, keywords: [...FLUX_AJV_OPTIONS.keywords] });
    compiled = Object.fromEntries(SCHEMAS.map((schema) => [schema.$id, ajv.compile(schema)]));
  }
  return compiled;
}
