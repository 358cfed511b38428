import { describeObject } from "./rendered-file.js";
import { containersOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Environment variable names that hold credentials. */
const CREDENTIAL_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|SIGNING_KEY)/i;

/** Credentials reach containers through `secretKeyRef`, never as literals in a manifest. */
export const noLiteralCredentials: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    for (const { path, container } of containersOf(object)) {
      (container.env ?? []).forEach((variable, i) => {
        const fromSecret = (variable.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef !== undefined;
        if (CREDENTIAL_NAME.test(variable.name) && !fromSecret) {
          violations.push({
            file: file.path,
            object: describeObject(object),
            field: `${path}.env[${i}] (${variable.name})`,
            message: "a credential must come from valueFrom.secretKeyRef, not a literal value",
          });
        }
      });
    }
  }
  return violations;
};
