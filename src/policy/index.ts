import type { PolicyWaiver } from "../../schemas/policy-waiver.js";
import { UserError } from "../errors.js";
import type { RenderedFile } from "./rendered-file.js";
import { gaFluxApis } from "./ga-flux-apis.js";
import { helmChartSources } from "./helm-chart-sources.js";
import { licenseServiceEnv } from "./license-service-env.js";
import { noLiteralCredentials } from "./no-literal-credentials.js";
import { noSecretReads } from "./no-secret-reads.js";
import { pinnedImages } from "./pinned-images.js";
import { podSecurityLabels } from "./pod-security-labels.js";
import { readOnlyStatusRbac } from "./read-only-status-rbac.js";
import { restrictedPodSecurity } from "./restricted-pod-security.js";
import { temporalHardened } from "./temporal-hardened.js";
import { tierDependencies } from "./tier-dependencies.js";
import { applyWaivers, type AppliedWaiver } from "./waivers.js";
import { DEFAULT_POLICY_CONTEXT, type Policy, type PolicyContext, type PolicyViolation } from "./violation.js";

/** Every check run on rendered output before anything is written, by id. */
export const POLICIES: Record<string, Policy> = {
  "ga-flux-apis": gaFluxApis,
  "pinned-images": pinnedImages,
  "no-literal-credentials": noLiteralCredentials,
  "read-only-status-rbac": readOnlyStatusRbac,
  "no-secret-reads": noSecretReads,
  "temporal-hardened": temporalHardened,
  "helm-chart-sources": helmChartSources,
  "tier-dependencies": tierDependencies,
  "license-service-env": licenseServiceEnv,
  "restricted-pod-security": restrictedPodSecurity,
  "pod-security-labels": podSecurityLabels,
};

export type PolicyFinding = PolicyViolation & { readonly policy: string };

export function policyViolations(files: readonly RenderedFile[], context: PolicyContext = DEFAULT_POLICY_CONTEXT): PolicyFinding[] {
  return Object.entries(POLICIES).flatMap(([policy, check]) => check(files, context).map((violation) => ({ policy, ...violation })));
}

export interface EnforceOptions {
  readonly context?: PolicyContext;
  /** The release file's waivers. */
  readonly waivers?: readonly PolicyWaiver[];
  /** Where a violating value was written, when not in the release file itself (e.g. its profile). */
  readonly sourceOf?: (violation: PolicyViolation) => string | undefined;
}

/**
 * Throws a `UserError` listing every violation no waiver covers (file, object, field, fix), and
 * every waiver that covers nothing (a stale exception must not linger). Returns the waivers used.
 */
export function enforcePolicies(files: readonly RenderedFile[], origin: string, options: EnforceOptions = {}): AppliedWaiver[] {
  const { remaining, applied, unused } = applyWaivers(policyViolations(files, options.context), options.waivers ?? []);
  const lines = remaining.map((v) => {
    const source = options.sourceOf?.(v);
    return `  ${v.file}: ${v.object}: ${v.field}: ${v.message} [${v.policy}]${source ? `\n    (${source})` : ""}`;
  });
  for (const waiver of unused) {
    lines.push(`  ${origin}: waivers: the waiver of ${waiver.policy} for ${waiver.object}${waiver.fields ? ` (${waiver.fields.join(", ")})` : ""} matches no violation; remove it`);
  }
  if (lines.length > 0) {
    throw new UserError(`${origin}: rendered output breaks ${lines.length} rule(s):\n${lines.join("\n")}`, { violations: remaining, unusedWaivers: unused });
  }
  return applied;
}

/** For workloads deployed outside a release (the vendor stack): limits, read-only root, a NetworkPolicy each. */
export { hardenedWorkloads } from "./hardened-workloads.js";
