import { describeObject } from "./rendered-file.js";
import { containersOf } from "./pod-templates.js";
import { CREDENTIAL_ENV, PEM_PRIVATE_KEY, secretMaterial } from "./secret-material.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

const FIX = "move it into a Secret and reference it (valueFrom.secretKeyRef, or the chart's existingSecret); never render it";

/**
 * Calls `visit` with every string in `value`, its path and the key it sits under (an array item's is
 * its array's). A visitor, not a generator: nested generators allocate an iterator and a result per
 * string per level, 3 MB for the shipped releases.
 */
function visitLiterals(value: unknown, path: string, key: string, visit: (path: string, key: string, value: string) => void): void {
  if (typeof value === "string") visit(path, key, value);
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visitLiterals(value[i], `${path}[${i}]`, key, visit);
  else if (typeof value === "object" && value !== null) {
    for (const child of Object.keys(value)) visitLiterals((value as Record<string, unknown>)[child], path === "" ? child : `${path}.${child}`, child, visit);
  }
}

/**
 * No literal secret material in any rendered object: container env credentials come from
 * `secretKeyRef`; HelmRelease values (and so the profile values baked into them), ConfigMaps and
 * every other field carry no password, token, API key, private key or random-looking credential;
 * no Secret with data is rendered.
 */
export const noLiteralCredentials: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const push = (field: string, message: string) => violations.push({ file: file.path, object: describeObject(object), field, message });
    // Fields under a container's env entries, which the check above owns: `<container>.env[i].`.
    const envFields: string[] = [];
    for (const { path, container } of containersOf(object)) {
      (container.env ?? []).forEach((variable, i) => {
        envFields.push(`${path}.env[${i}].`);
        const fromSecret = (variable.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef !== undefined;
        const literal = variable.value ?? "";
        if ((CREDENTIAL_ENV.test(variable.name) && !fromSecret) || PEM_PRIVATE_KEY.test(literal)) {
          push(`${path}.env[${i}] (${variable.name})`, "a credential must come from valueFrom.secretKeyRef, not a literal value");
        }
      });
    }
    if (object.kind === "Secret") {
      for (const field of ["data", "stringData"]) {
        if (object[field] !== undefined) push(field, "the kit must not render Secrets with data: the control plane creates them at setup");
      }
      continue;
    }
    visitLiterals(object, "", "", (path, key, value) => {
      if (path.startsWith("metadata.") || envFields.some((env) => path.startsWith(env))) return;
      const problem = secretMaterial(key, value);
      if (problem) push(path, `${problem}: ${FIX}`);
    });
  }
  return violations;
};
