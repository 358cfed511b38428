import type { ActiveOperation, ApplianceStatus, Blocker, StatusTier, TierReadiness } from "../../../schemas/status.js";

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m >= 1 ? `${m} min` : `${seconds} s`;
}

/** Layers of blockers about the status service itself, not the appliance. */
export const ACCESS_LAYER = "Status service access";
export const FRESHNESS_LAYER = "Status freshness";

/**
 * One state for the whole appliance. Login readiness (what login needs now) decides between
 * "installing/failed" and "ready". Once login works, a failure that stops Flux from applying the
 * next release makes it ready_updates_blocked; anything else that needs attention,
 * ready_with_background_issues. A kind the service may not read is a permissions failure, never
 * "installing": the status cannot know.
 */
export function computeRollup(
  tiers: Record<StatusTier, TierReadiness>,
  blockers: readonly Blocker[],
  operations: readonly ActiveOperation[],
  loginUrl: string | null,
): ApplianceStatus["rollup"] {
  const signIn = loginUrl ? `Sign in at ${loginUrl}.` : "Sign in to Alga PSA.";
  const appliance = blockers.filter((b) => b.layer !== ACCESS_LAYER && b.layer !== FRESHNESS_LAYER);
  if (!tiers.login.ready) {
    const failure = appliance.find((b) => b.loginBlocking && b.severity === "failure" && !b.retryable) ?? appliance.find((b) => b.loginBlocking && b.severity === "failure");
    if (failure) {
      return { state: "failed_action_required", message: `Login is blocked: ${failure.reason}`, nextAction: failure.nextAction };
    }
    const blind = blockers.find((b) => b.layer === ACCESS_LAYER);
    if (blind) {
      return { state: "failed_action_required", message: `The status cannot tell whether login works: ${blind.reason}`, nextAction: blind.nextAction };
    }
    const pull = operations.find((o) => o.tier !== "background") ?? operations[0];
    if (pull) {
      return {
        state: "installing",
        message: `Installing: pulling ${pull.image} for ${pull.component} (${minutes(pull.elapsedSeconds)} so far)`,
        nextAction: "Wait: the image is downloading. Kubernetes does not report download progress; this page refreshes itself.",
      };
    }
    const slow = appliance.find((b) => b.loginBlocking);
    return {
      state: "installing",
      message: `Installing: ${tiers.login.reason}`,
      nextAction: slow ? slow.nextAction : "Wait: the appliance is still installing; this page refreshes itself.",
    };
  }
  const updates = blockers.find((b) => b.blocksUpdates && b.severity === "failure");
  if (updates) {
    return {
      state: "ready_updates_blocked",
      message: `Login is ready; updates are blocked: ${updates.reason}`,
      nextAction: `${signIn} Then, so the appliance can be updated: ${updates.nextAction}`,
    };
  }
  const issue = blockers[0];
  if (issue) {
    return {
      state: "ready_with_background_issues",
      message: `Login is ready; ${issue.component}: ${issue.reason}`,
      nextAction: `${signIn} Then: ${issue.nextAction}`,
    };
  }
  if (!tiers.fullHealth.ready) {
    return { state: "ready", message: `Login is ready; background services are still starting (${tiers.background.reason})`, nextAction: signIn };
  }
  return { state: "fully_healthy", message: "Every tier is ready and nothing needs attention.", nextAction: signIn };
}
