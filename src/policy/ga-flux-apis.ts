import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Flux API versions an appliance's Flux serves; v1beta2 sources were removed in Flux 2.8. */
const GA_FLUX_API_VERSIONS: Record<string, string> = {
  "source.toolkit.fluxcd.io": "v1",
  "kustomize.toolkit.fluxcd.io": "v1",
  "helm.toolkit.fluxcd.io": "v2",
};

/** Only GA Flux APIs may be rendered. */
export const gaFluxApis: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const [group, version] = object.apiVersion.split("/");
    if (!group || !group.endsWith(".toolkit.fluxcd.io")) continue;
    const ga = GA_FLUX_API_VERSIONS[group];
    if (ga === undefined || version !== ga) {
      violations.push({
        file: file.path,
        object: describeObject(object),
        field: "apiVersion",
        message: `${object.apiVersion} is not a GA Flux API the appliance serves; use ${ga ? `${group}/${ga}` : "a GA API group"}`,
      });
    }
  }
  return violations;
};
