import { STATUS_TIERS, type ApplianceStatus, type StatusTier } from "../../../schemas/status.js";

export const TIER_LABELS: Record<StatusTier, string> = {
  platform: "Platform",
  core: "Core services",
  bootstrap: "Bootstrap",
  login: "Login",
  background: "Background",
  fullHealth: "Full health",
};

export const ROLLUP_LABELS: Record<ApplianceStatus["rollup"]["state"], string> = {
  installing: "Installing",
  ready: "Ready",
  ready_updates_blocked: "Ready, updates blocked",
  ready_with_background_issues: "Ready, with background issues",
  fully_healthy: "Fully healthy",
  failed_action_required: "Action required",
};

/** "12 min 5 s" for an elapsed time. */
export function formatElapsed(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

/** The terminal summary `npm run status` prints: rollup, tiers, top blockers with their next action. */
export function formatStatusSummary(status: ApplianceStatus, maxBlockers = 5): string {
  const lines: string[] = [];
  lines.push(`${status.siteId}: ${ROLLUP_LABELS[status.rollup.state]} (${status.rollup.state})`);
  lines.push(`  ${status.rollup.message}`);
  lines.push(`  next: ${status.rollup.nextAction}`);
  if (status.release.version || status.release.bundleDigest) {
    lines.push(`  release ${status.release.version ?? "unknown"}${status.release.channel ? ` (${status.release.channel})` : ""}${status.release.bundleDigest ? ` bundle ${status.release.bundleDigest}` : ""}`);
  }
  lines.push("", "Tiers:");
  for (const tier of STATUS_TIERS) {
    const readiness = status.tiers[tier];
    lines.push(`  ${readiness.ready ? "[ready]    " : "[not ready]"} ${TIER_LABELS[tier].padEnd(13)} ${readiness.reason}`);
  }
  if (status.activeOperations.length > 0) {
    lines.push("", "Image pulls in progress (Kubernetes reports no byte progress):");
    for (const op of status.activeOperations) lines.push(`  ${op.component}: ${op.image}, ${formatElapsed(op.elapsedSeconds)} so far`);
  }
  if (status.topBlockers.length > 0) {
    lines.push("", "Top blockers:");
    status.topBlockers.slice(0, maxBlockers).forEach((blocker, i) => {
      const flags = [blocker.loginBlocking ? "blocks login" : "login unaffected", blocker.retryable ? "retryable" : "needs a fix", blocker.severity === "warning" ? "warning" : ""].filter(Boolean).join(", ");
      lines.push(`  ${i + 1}. ${blocker.layer} — ${blocker.component} (${flags})`);
      lines.push(`     ${blocker.reason}`);
      if (blocker.count > 1) lines.push(`     seen on ${blocker.count} objects (${blocker.evidence.object.kind} ${blocker.evidence.object.name} and ${blocker.count - 1} more)`);
      lines.push(`     next: ${blocker.nextAction}`);
      for (const command of blocker.commands) lines.push(`       $ ${command}`);
    });
    if (status.topBlockers.length > maxBlockers) lines.push(`  … and ${status.topBlockers.length - maxBlockers} more (--json shows all)`);
  }
  return lines.join("\n");
}
