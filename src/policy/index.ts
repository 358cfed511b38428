import { UserError } from "../errors.js";
import type { RenderedFile } from "./rendered-file.js";
import { gaFluxApis } from "./ga-flux-apis.js";
import { noLiteralCredentials } from "./no-literal-credentials.js";
import { pinnedImages } from "./pinned-images.js";
import { readOnlyStatusRbac } from "./read-only-status-rbac.js";
import { temporalHardened } from "./temporal-hardened.js";
import type { Policy, PolicyViolation } from "./violation.js";

/** Every check run on rendered output before anything is written. */
export const POLICIES: Record<string, Policy> = {
  "ga-flux-apis": gaFluxApis,
  "pinned-images": pinnedImages,
  "no-literal-credentials": noLiteralCredentials,
  "read-only-status-rbac": readOnlyStatusRbac,
  "temporal-hardened": temporalHardened,
};

export function policyViolations(files: readonly RenderedFile[]): (PolicyViolation & { policy: string })[] {
  return Object.entries(POLICIES).flatMap(([policy, check]) => check(files).map((violation) => ({ policy, ...violation })));
}

/** Throws a `UserError` listing every violation (file, object, field, fix). */
export function enforcePolicies(files: readonly RenderedFile[], origin: string): void {
  const violations = policyViolations(files);
  if (violations.length === 0) return;
  const lines = violations.map((v) => `  ${v.file}: ${v.object}: ${v.field}: ${v.message} [${v.policy}]`);
  throw new UserError(`${origin}: rendered output breaks ${violations.length} rule(s):\n${lines.join("\n")}`, { violations });
}
