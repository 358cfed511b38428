import type { ComponentStatus, ObjectStatus, StatusTier, TierReadiness } from "../../../schemas/status.js";
import { APPLIANCE_COMPONENTS } from "./appliance-components.js";
import { parseTime } from "./cluster-snapshot.js";
import type { GraphNode } from "./dependency-graph.js";
import type { ObjectStatusResult } from "./object-status.js";
import type { EndpointReadiness } from "./service-endpoints.js";

/** Answers from outside the cluster's objects: the login URL and the seeded user count. */
export interface StatusProbes {
  /** The login URL answered (2xx/3xx) or not; absent when it was not probed. */
  readonly login?: { readonly ok: boolean; readonly detail: string };
  /** Rows in the users table after bootstrap; absent when not probed. */
  readonly seededUsers?: number;
}

/** What the tiers are computed from: the appliance's objects, their states, and the components. */
export interface TierInputs {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  readonly statuses: ReadonlyMap<string, ObjectStatusResult>;
  readonly components: readonly ComponentStatus[];
  /** Whether alga-core's Service has a ready endpoint (service-endpoints.ts). */
  readonly appEndpoints: EndpointReadiness;
}

const SERVING_KINDS = new Set(["Deployment", "StatefulSet"]);
const toIso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

function objectsOf(inputs: Pick<TierInputs, "nodes">, component: string): GraphNode[] {
  const found: GraphNode[] = [];
  for (const node of inputs.nodes.values()) if (node.component.name === component) found.push(node);
  return found;
}

/**
 * Whether a component serves now: each of its Deployments/StatefulSets has a ready replica (a
 * ready pod is what the Service's endpoints hold), whatever Flux thinks of its HelmRelease. The
 * time is when the last of them became available.
 */
export function serving(inputs: Pick<TierInputs, "nodes" | "statuses">, component: string): { ok: boolean; detail: string; since: number | undefined } {
  const workloads = objectsOf(inputs, component).filter((n) => SERVING_KINDS.has(n.object.kind));
  if (workloads.length === 0) return { ok: false, detail: `${component} not installed yet`, since: undefined };
  let since: number | undefined;
  for (const workload of workloads) {
    const ready = workload.object.status?.["readyReplicas"];
    if (typeof ready !== "number" || ready < 1) {
      const status = inputs.statuses.get(workload.key);
      return { ok: false, detail: `${component} not ready: ${workload.object.kind} ${workload.object.metadata.name}: ${status?.message ?? "no ready replica"}`, since: undefined };
    }
    const at = inputs.statuses.get(workload.key)?.since;
    if (at !== undefined) since = Math.max(since ?? at, at);
  }
  return { ok: true, detail: `${component} ready`, since };
}

/** The Flux/platform components of a tier: Current (or optional and absent). */
function componentsReady(inputs: TierInputs, tier: string): { ok: boolean; reason: string; since: number | undefined } {
  const byName = new Map(inputs.components.map((c) => [c.name, c]));
  let since: number | undefined;
  for (const placement of APPLIANCE_COMPONENTS.filter((c) => c.tier === tier && !c.aggregate)) {
    const component = byName.get(placement.name);
    if (!component || component.status === "Current") {
      for (const node of objectsOf(inputs, placement.name)) {
        const at = inputs.statuses.get(node.key)?.since;
        if (at !== undefined) since = Math.max(since ?? at, at);
      }
      continue;
    }
    if (component.status === "NotFound" && placement.optional) continue;
    if (component.status === "Unknown") continue;
    const state = stateWord(component.status);
    const label = placement.name.startsWith("flux:") ? `Flux tier ${placement.name.slice("flux:".length)}` : placement.name;
    return { ok: false, reason: `${label} ${state}${component.message ? `: ${component.message}` : ""}`, since: undefined };
  }
  return { ok: true, reason: "", since };
}

function stateWord(status: ObjectStatus): string {
  return status === "NotFound" ? "not installed yet" : status === "InProgress" ? "in progress" : status.toLowerCase();
}

const ready = (reason: string, since: number | undefined): TierReadiness => ({ ready: true, state: "ready", reason, since: toIso(since) });
/** Not ready: waiting when it only waits for something else; classify marks the failing ones. */
const notReady = (reason: string): TierReadiness => ({ ready: false, state: WAITING.test(reason) ? "waiting" : "in_progress", reason, since: null });
const WAITING = /^waiting for|dependency '[^']+' is not ready|not installed yet/;

/**
 * The readiness tiers. Login is what login needs now: the database, redis and pgbouncer serving,
 * this release's bootstrap done, and the alga-core app serving: a ready replica and a ready
 * endpoint behind its Service (and the login URL answering, when probed).
 * Flux's reconciliation state does not decide it: a running appliance whose source cannot fetch
 * stays ready to sign in (the platform tier shows the failure, the rollup says updates are blocked).
 */
export function computeTiers(inputs: TierInputs, probes: StatusProbes): Omit<Record<StatusTier, TierReadiness>, "fullHealth"> {
  const platformState = componentsReady(inputs, "platform");
  const platform = platformState.ok ? ready("node ready, Flux source and platform tier reconciled", platformState.since) : notReady(platformState.reason);

  const coreParts = ["db", "redis", "pgbouncer"].map((name) => serving(inputs, name));
  const coreMissing = coreParts.find((p) => !p.ok);
  const coreSince = Math.max(...coreParts.map((p) => p.since ?? 0));
  const core = coreMissing ? notReady(coreMissing.detail) : ready("database, redis and pgbouncer ready", coreSince || undefined);

  const jobs = objectsOf(inputs, "bootstrap")
    .filter((n) => n.object.kind === "Job")
    .sort((a, b) => (parseTime(b.object.metadata.creationTimestamp) ?? 0) - (parseTime(a.object.metadata.creationTimestamp) ?? 0) || (a.key < b.key ? 1 : -1));
  const newest = jobs[0];
  let bootstrap: TierReadiness;
  if (newest) {
    const status = inputs.statuses.get(newest.key)!;
    if (status.status === "Current") {
      bootstrap = probes.seededUsers === 0 ? notReady("bootstrap job completed but no users were seeded") : ready(`bootstrap job ${newest.object.metadata.name} completed${probes.seededUsers !== undefined ? `; ${probes.seededUsers} users seeded` : ""}`, status.since);
    } else if (!core.ready) bootstrap = notReady(`waiting for the core tier (bootstrap job ${newest.object.metadata.name} ${status.status === "Failed" ? "failed" : "waiting"})`);
    else bootstrap = notReady(`bootstrap job ${newest.object.metadata.name} ${status.status === "Failed" ? "failed" : "running"}: ${status.message}`);
  } else {
    // The job may be gone (ttlSecondsAfterFinished): a release Helm deployed has run its hooks.
    const release = objectsOf(inputs, "alga-core").find((n) => n.object.kind === "HelmRelease");
    const history = (release?.object.status?.["history"] as { status?: string }[] | undefined) ?? [];
    const releaseStatus = release ? inputs.statuses.get(release.key) : undefined;
    if (releaseStatus?.status === "Current") bootstrap = ready("alga-core HelmRelease ready (bootstrap hooks completed)", releaseStatus.since);
    else if (history.some((h) => h.status === "deployed" || h.status === "superseded")) bootstrap = ready("a deployed alga-core release ran its bootstrap hooks", undefined);
    else bootstrap = notReady(core.ready ? "bootstrap job not started yet" : "waiting for the core tier");
  }

  // Ready replicas are not enough: login traffic reaches alga-core through its Service, so a
  // selector that matches nothing or endpoints that are all terminating keep login down.
  const app = serving(inputs, "alga-core");
  const endpoints = inputs.appEndpoints;
  const appReady = `alga-core ready${endpoints.state === "serving" ? ` (${endpoints.detail})` : endpoints.state === "not-read" ? ` (${endpoints.detail})` : ""}`;
  let login: TierReadiness;
  if (!core.ready) login = notReady(`waiting for the core tier (${core.reason})`);
  else if (!bootstrap.ready) login = notReady(`waiting for bootstrap (${bootstrap.reason})`);
  else if (!app.ok) login = notReady(app.detail);
  else if (endpoints.state === "not-serving" || endpoints.state === "unreadable") login = notReady(endpoints.detail);
  else if (probes.login && !probes.login.ok) login = notReady(`the login URL does not answer: ${probes.login.detail}`);
  else login = ready(probes.login ? `${appReady}; login URL answers (${probes.login.detail})` : `${appReady}; login URL not probed`, app.since);

  const backgroundState = componentsReady(inputs, "background");
  const background = backgroundState.ok ? ready("temporal, workers and email service ready", backgroundState.since) : notReady(backgroundState.reason);
  return { platform, core, bootstrap, login, background };
}
