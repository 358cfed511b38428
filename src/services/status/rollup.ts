import type { ActiveOperation, ApplianceStatus, Blocker, StatusTier, TierReadiness } from "../../../schemas/status.js";

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return m >= 1 ? `${m} min` : `${seconds} s`;
}

/**
 * One state for the whole appliance. Login decides between "installing/failed" and "ready";
 * a failure counts against login only when it blocks login, so a broken background service
 * leaves the appliance ready (with background issues), and a slow core image pull is installing.
 */
export function computeRollup(
  tiers: Record<StatusTier, TierReadiness>,
  blockers: readonly Blocker[],
  operations: readonly ActiveOperation[],
  loginUrl: string | null,
): ApplianceStatus["rollup"] {
  const signIn = loginUrl ? `Sign in at ${loginUrl}.` : "Sign in to Alga PSA.";
  if (!tiers.login.ready) {
    const failure = blockers.find((b) => b.loginBlocking && b.severity === "failure" && !b.retryable) ?? blockers.find((b) => b.loginBlocking && b.severity === "failure");
    if (failure) {
      return { state: "failed_action_required", message: `Login is blocked: ${failure.reason}`, nextAction: failure.nextAction };
    }
    const pull = operations.find((o) => o.tier !== "background") ?? operations[0];
    if (pull) {
      return {
        state: "installing",
        message: `Installing: pulling ${pull.image} for ${pull.component} (${minutes(pull.elapsedSeconds)} so far)`,
        nextAction: "Wait: the image is downloading. Kubernetes does not report download progress; this page refreshes itself.",
      };
    }
    const blind = blockers.find((b) => b.layer === "Status service access");
    if (blind) {
      return { state: "installing", message: `Installing, as far as can be seen: ${blind.reason}`, nextAction: blind.nextAction };
    }
    const slow = blockers.find((b) => b.loginBlocking);
    return {
      state: "installing",
      message: `Installing: ${tiers.login.reason}`,
      nextAction: slow ? slow.nextAction : "Wait: the appliance is still installing; this page refreshes itself.",
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
