import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

const READ_VERBS = new Set(["get", "list", "watch"]);

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
}

/** ClusterRoles for status reporting (names ending in `-readonly` or `-status-reader`) must only read, and never Secrets. */
export const readOnlyStatusRbac: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const name = object.metadata?.name ?? "";
    if (object.kind !== "ClusterRole" || !/(-readonly|-status-reader)$/.test(name)) continue;
    const rules = (object["rules"] as PolicyRule[] | undefined) ?? [];
    rules.forEach((rule, i) => {
      const writes = (rule.verbs ?? []).filter((verb) => !READ_VERBS.has(verb));
      if (writes.length > 0) {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `rules[${i}].verbs`,
          message: `a read-only status role grants ${writes.join(", ")}; keep only get, list, watch`,
        });
      }
      const sensitive = (rule.resources ?? []).filter((resource) => resource === "secrets" || resource === "*");
      if (sensitive.length > 0) {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `rules[${i}].resources`,
          message: `a status role must not read ${sensitive.join(", ")}: status pages must never expose credentials`,
        });
      }
    });
  }
  return violations;
};
