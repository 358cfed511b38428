import type { Blocker, ComponentStatus, StatusTier, TierReadiness } from "../../../schemas/status.js";
import { APPLIANCE_COMPONENTS } from "./appliance-components.js";

/** Answers from outside the cluster's objects: the login URL and the seeded user count. */
export interface StatusProbes {
  /** The login URL answered (2xx/3xx) or not; absent when it was not probed. */
  readonly login?: { readonly ok: boolean; readonly detail: string };
  /** Rows in the users table after bootstrap; absent when not probed. */
  readonly seededUsers?: number;
}

function componentsReady(components: readonly ComponentStatus[], tier: string): TierReadiness {
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const placement of APPLIANCE_COMPONENTS.filter((c) => c.tier === tier && !c.aggregate)) {
    const component = byName.get(placement.name);
    if (!component || component.status === "Current") continue;
    if (component.status === "NotFound" && placement.optional) continue;
    if (component.status === "Unknown") continue;
    const state = component.status === "NotFound" ? "not installed yet" : component.status === "InProgress" ? "in progress" : component.status.toLowerCase();
    const label = placement.name.startsWith("flux:") ? `Flux tier ${placement.name.slice("flux:".length)}` : placement.name;
    return { ready: false, reason: `${label} ${state}${component.message ? `: ${component.message}` : ""}` };
  }
  return { ready: true, reason: "" };
}

const ok = (reason: string): TierReadiness => ({ ready: true, reason });

/**
 * The readiness tiers: platform → core → bootstrap → login, with background beside them.
 * Each tier needs the ones before it; background never affects login.
 */
export function computeTiers(components: readonly ComponentStatus[], blockers: readonly Blocker[], probes: StatusProbes): Record<StatusTier, TierReadiness> {
  const platformComponents = componentsReady(components, "platform");
  const platform = platformComponents.ready ? ok("node ready, Flux source and platform tier reconciled") : platformComponents;

  const coreComponents = componentsReady(components, "core");
  const core = !platform.ready
    ? { ready: false, reason: "waiting for the platform tier" }
    : coreComponents.ready
      ? ok("database, redis and pgbouncer ready")
      : coreComponents;

  const byName = new Map(components.map((c) => [c.name, c]));
  const job = byName.get("bootstrap");
  const app = byName.get("alga-core");
  let bootstrap: TierReadiness;
  if (!core.ready) bootstrap = { ready: false, reason: "waiting for the core tier" };
  else if (job && job.status !== "NotFound") {
    if (job.status !== "Current") bootstrap = { ready: false, reason: `bootstrap job ${job.status === "Failed" ? "failed" : "running"}: ${job.message}` };
    else if (probes.seededUsers === 0) bootstrap = { ready: false, reason: "bootstrap job completed but no users were seeded" };
    else bootstrap = ok(probes.seededUsers !== undefined ? `bootstrap job completed; ${probes.seededUsers} users seeded` : "bootstrap job completed");
  } else {
    // The job may be gone (ttlSecondsAfterFinished); the app's HelmRelease only becomes Ready after its hooks ran.
    const release = app?.objects.find((o) => o.ref.kind === "HelmRelease");
    bootstrap = release?.status === "Current" ? ok("alga-core HelmRelease ready (bootstrap hooks completed)") : { ready: false, reason: "bootstrap job not started yet" };
  }

  let login: TierReadiness;
  if (!bootstrap.ready) login = { ready: false, reason: "waiting for bootstrap" };
  else if (!app || app.status !== "Current") login = { ready: false, reason: `alga-core ${app ? `${app.status === "NotFound" ? "not installed yet" : "not ready"}: ${app.message}` : "not installed yet"}` };
  else if (probes.login && !probes.login.ok) login = { ready: false, reason: `the login URL does not answer: ${probes.login.detail}` };
  else login = ok(probes.login ? `alga-core ready; login URL answers (${probes.login.detail})` : "alga-core ready (login URL not probed)");

  const backgroundComponents = componentsReady(components, "background");
  const background = backgroundComponents.ready ? ok("temporal, workers and email service ready") : backgroundComponents;

  const allReady = platform.ready && core.ready && bootstrap.ready && login.ready && background.ready;
  const suspended = components.find((c) => c.suspended);
  const fullHealth: TierReadiness = !allReady
    ? { ready: false, reason: "not every tier is ready" }
    : blockers.length > 0
      ? { ready: false, reason: `${blockers.length} open issue(s): ${blockers[0]!.reason}` }
      : suspended
        ? { ready: false, reason: `${suspended.name} is suspended` }
        : ok("every tier ready, no open issues");
  return { platform, core, bootstrap, login, background, fullHealth };
}
