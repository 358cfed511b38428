import { describeObject } from "./rendered-file.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

const READ_VERBS = new Set(["get", "list", "watch", "*"]);
/** Verbs a rule can restrict by name; `create` cannot be (the name is unknown when it is authorized). */
const NAMEABLE_WRITES = new Set(["update", "patch", "delete"]);

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs?: readonly string[];
}

/**
 * No Role or ClusterRole the kit renders may read Secrets (get, list, watch or `*` on `secrets`):
 * the control plane and the status service would otherwise expose every credential of the
 * appliance. Writes to Secrets (update, patch, delete) must name the Secrets with `resourceNames`.
 */
export const noSecretReads: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    if (object.kind !== "Role" && object.kind !== "ClusterRole") continue;
    const rules = (object["rules"] as PolicyRule[] | undefined) ?? [];
    rules.forEach((rule, i) => {
      const coreGroup = (rule.apiGroups ?? [""]).some((group) => group === "" || group === "*");
      const touchesSecrets = coreGroup && (rule.resources ?? []).some((resource) => resource === "secrets" || resource === "*");
      if (!touchesSecrets) return;
      const reads = (rule.verbs ?? []).filter((verb) => READ_VERBS.has(verb));
      if (reads.length > 0) {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `rules[${i}].verbs`,
          message: `grants ${reads.join(", ")} on Secrets: drop the read verbs (setup needs only create, and update/patch of the Secrets it names in resourceNames)`,
        });
      }
      const unnamed = (rule.verbs ?? []).filter((verb) => NAMEABLE_WRITES.has(verb));
      if (unnamed.length > 0 && (rule.resourceNames ?? []).length === 0) {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `rules[${i}].resourceNames`,
          message: `grants ${unnamed.join(", ")} on every Secret: list the Secrets it may change in resourceNames`,
        });
      }
    });
  }
  return violations;
};
