import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

const LEVELS = new Set(["privileged", "baseline", "restricted"]);
const POD_SECURITY_LABEL_PREFIX = "pod-security.kubernetes.io/";

/**
 * Every Namespace the kit renders carries Pod Security admission labels: an `enforce` level, and
 * `warn` and `audit` at `restricted`, so anything below the restricted level is at least reported
 * by the API server (Helm chart workloads are rendered on the cluster, not by the kit).
 */
export const podSecurityLabels: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    if (object.kind !== "Namespace") continue;
    const labels = (object.metadata?.["labels"] ?? {}) as Record<string, string>;
    const push = (mode: string, message: string) =>
      violations.push({ file: file.path, object: describeObject(object), field: `metadata.labels["${POD_SECURITY_LABEL_PREFIX}${mode}"]`, message });
    const enforce = labels[`${POD_SECURITY_LABEL_PREFIX}enforce`];
    if (enforce === undefined || !LEVELS.has(enforce)) {
      push("enforce", `${enforce === undefined ? "missing" : `"${enforce}" is not a level`}: set it to restricted (or baseline/privileged with the reason in the namespace construct)`);
    }
    for (const mode of ["warn", "audit"]) {
      if (labels[`${POD_SECURITY_LABEL_PREFIX}${mode}`] !== "restricted") push(mode, "must be restricted, so every pod below the restricted level is reported");
    }
  }
  return violations;
};
