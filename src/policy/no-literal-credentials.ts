import { describeObject } from "../synth/rendered-file.js";
import { containersOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Environment variable names that hold credentials. */
const CREDENTIAL_ENV = /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|SIGNING_KEY|API_?KEY)/i;
/** Keys whose string value is a credential whatever it looks like. */
const CREDENTIAL_KEY = /(password|passwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|signing[-_]?key|credential)/i;
/** Keys that may hold a credential; their value is flagged when it looks random (high entropy). */
const CREDENTIAL_LIKE_KEY = /(key|auth|salt|cookie|dsn|connection[-_]?string|cert)/i;
/** Keys that name where a credential lives (a Secret, a key in it), not the credential itself. */
const REFERENCE_KEY = /(^existing|secretname$|secretref$|keyref$|name$|ref$|^secret[-_]?key$|path$|file$|enabled$|^kind$)/i;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Long, varied strings without spaces: what generated passwords, tokens and keys look like. */
export function looksRandom(value: string): boolean {
  return value.length >= 16 && !/\s/.test(value) && entropy(value) >= 3.5;
}

const FIX = "move it into a Secret and reference it (valueFrom.secretKeyRef, or the chart's existingSecret); never render it";

/** Why a literal under `key` is secret material, or undefined when it is not. */
function secretMaterial(key: string, value: string): string | undefined {
  if (PEM_BLOCK.test(value)) return "a private key (PEM block) is written literally";
  if (value === "" || REFERENCE_KEY.test(key)) return undefined;
  if (CREDENTIAL_KEY.test(key)) return `the credential "${key}" has a literal value`;
  if (CREDENTIAL_LIKE_KEY.test(key) && looksRandom(value)) return `"${key}" holds a random-looking literal (a credential?)`;
  return undefined;
}

function* literals(value: unknown, path: string, key: string): Generator<{ path: string; key: string; value: string }> {
  if (typeof value === "string") yield { path, key, value };
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* literals(value[i], `${path}[${i}]`, key);
  else if (typeof value === "object" && value !== null) {
    for (const [child, inner] of Object.entries(value)) yield* literals(inner, path === "" ? child : `${path}.${child}`, child);
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
    const envPaths = new Set<string>();
    for (const { path, container } of containersOf(object)) {
      (container.env ?? []).forEach((variable, i) => {
        envPaths.add(`${path}.env[${i}]`);
        const fromSecret = (variable.valueFrom as { secretKeyRef?: unknown } | undefined)?.secretKeyRef !== undefined;
        const literal = variable.value ?? "";
        if ((CREDENTIAL_ENV.test(variable.name) && !fromSecret) || PEM_BLOCK.test(literal)) {
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
    for (const { path, key, value } of literals(object, "", "")) {
      if (path.startsWith("metadata.") || [...envPaths].some((env) => path.startsWith(`${env}.`))) continue;
      const problem = secretMaterial(key, value);
      if (problem) push(path, `${problem}: ${FIX}`);
    }
  }
  return violations;
};
