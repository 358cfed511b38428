import { parse } from "yaml";
import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

interface Patch {
  readonly target?: { readonly kind?: string; readonly name?: string };
  readonly patch?: string;
}
interface JsonPatchOp {
  readonly op?: string;
  readonly path?: string;
  readonly value?: unknown;
}

function operationsFor(patches: readonly Patch[], deployment: string): JsonPatchOp[] {
  return patches
    .filter((patch) => patch.target?.kind === "Deployment" && patch.target.name === deployment)
    .flatMap((patch) => (parse(patch.patch ?? "[]") as JsonPatchOp[] | null) ?? []);
}

/**
 * The Temporal HelmRelease must run the server with `autosetup` and both server and UI with
 * `enableServiceLinks: false`: both failures were seen on live appliances.
 */
export const temporalHardened: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    if (object.kind !== "HelmRelease" || object.metadata?.name !== "temporal") continue;
    const spec = object["spec"] as { postRenderers?: { kustomize?: { patches?: Patch[] } }[] } | undefined;
    const patches = (spec?.postRenderers ?? []).flatMap((renderer) => renderer.kustomize?.patches ?? []);
    const server = operationsFor(patches, "temporal");
    const ui = operationsFor(patches, "temporal-ui");
    const disablesLinks = (ops: JsonPatchOp[]) => ops.some((op) => op.path === "/spec/template/spec/enableServiceLinks" && op.value === false);
    const problems: string[] = [];
    if (!server.some((op) => op.path?.endsWith("/command") && JSON.stringify(op.value).includes("autosetup"))) {
      problems.push("the temporal server Deployment is not patched to run autosetup");
    }
    if (!disablesLinks(server)) problems.push("the temporal server Deployment keeps service links enabled");
    if (!disablesLinks(ui)) problems.push("the temporal-ui Deployment keeps service links enabled");
    for (const message of problems) {
      violations.push({ file: file.path, object: describeObject(object), field: "spec.postRenderers", message: `${message}; use temporalHardening()` });
    }
  }
  return violations;
};
