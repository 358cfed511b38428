import { isSecretVariable, LicenseServiceEnvironment, type LicenseServiceVariable } from "../../schemas/license-service.js";
import { describeObject } from "./rendered-file.js";
import { containersOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

const CONTRACT = Object.keys(LicenseServiceEnvironment.shape) as LicenseServiceVariable[];
const LICENSE_SERVICE_COMPONENT = "license-service";

/**
 * The license-service Deployment sets every variable of its environment contract (the database,
 * the signing key, `OBJECT_STORE_*` and `APPLIANCE_ISO_KEY`), and every credential only as a
 * `secretKeyRef`: a live appliance once got a license service without its object-store env.
 */
export const licenseServiceEnv: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const labels = (object.metadata?.["labels"] ?? {}) as Record<string, string>;
    if (object.kind !== "Deployment" || labels["app.kubernetes.io/component"] !== LICENSE_SERVICE_COMPONENT) continue;
    for (const { path, container } of containersOf(object)) {
      const env = container.env ?? [];
      const missing = CONTRACT.filter((name) => !env.some((variable) => variable.name === name));
      if (missing.length > 0) {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `${path}.env`,
          message: `misses ${missing.join(", ")} of the license-service environment contract: set them in releases/vendor/license-service.yaml`,
        });
      }
      env.forEach((variable, i) => {
        if (!CONTRACT.includes(variable.name as LicenseServiceVariable) || !isSecretVariable(variable.name as LicenseServiceVariable)) return;
        if ((variable.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef === undefined) {
          violations.push({
            file: file.path,
            object: describeObject(object),
            field: `${path}.env[${i}] (${variable.name})`,
            message: `${variable.name} is a credential: it must come from valueFrom.secretKeyRef`,
          });
        }
      });
    }
  }
  return violations;
};
