import type { ActiveOperation, ApplianceStatus, Blocker, ComponentStatus, ObjectStatus, StatusEvent } from "../../../schemas/status.js";
import { APPLIANCE_COMPONENTS, TIER_ORDER, isLoginBlockingTier, type ApplianceComponent } from "./appliance-components.js";
import { type ClusterSnapshot, type KubeObject } from "./cluster-snapshot.js";
import { activeImagePulls } from "./active-operations.js";
import { buildDependencyGraph } from "./dependency-graph.js";
import { recogniseFailure, recogniserRank } from "./failure-recognisers.js";
import { computeObjectStatus, FLUX_KINDS, type ObjectStatusResult } from "./object-status.js";
import { computeTiers, type StatusProbes } from "./readiness-tiers.js";
import { findRootCauses } from "./root-causes.js";
import { supersededObjects } from "./superseded-objects.js";
import { computeRollup } from "./rollup.js";
import { compareEventsNewestFirst, indexEvents, referenceKey, referenceOf, signalsOf, toStatusEvent } from "./status-events.js";
import { releaseFromCluster, type ReleaseInfo } from "./release-info.js";

/** A kind the status service could not list (RBAC or API error): reported, never a crash. */
export interface AccessError {
  readonly kind: string;
  readonly code: number | null;
  readonly message: string;
}

export interface ClassifyOptions {
  /** The time the status is computed for (RFC 3339 or ms); elapsed times and "stuck" warnings use it. */
  readonly now: number;
  readonly siteId?: string;
  readonly urls?: { readonly status?: string | null; readonly login?: string | null };
  /** From the release manifest the appliance pulled; else read from the Flux source. */
  readonly release?: Partial<ReleaseInfo>;
  readonly probes?: StatusProbes;
  readonly accessErrors?: readonly AccessError[];
  /** In progress for longer than this is reported as a warning (kstatus: stuck is not failed). */
  readonly stuckAfterSeconds?: number;
  readonly recentEventLimit?: number;
  /** How many blockers the status lists (a cluster with hundreds of broken pods stays readable). @default 25 */
  readonly blockerLimit?: number;
}

const STATUS_RANK: Record<ObjectStatus, number> = { Failed: 0, Terminating: 1, InProgress: 2, NotFound: 3, Unknown: 4, Current: 5 };

/** Human description of an object for messages. */
function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}

function genericNextAction(object: KubeObject, retryable: boolean): string {
  const ns = object.metadata.namespace ? ` -n ${object.metadata.namespace}` : "";
  switch (object.kind) {
    case "HelmRelease":
      return `Look at the HelmRelease's events (kubectl describe helmrelease ${object.metadata.name}${ns}), fix the cause, then run: flux reconcile helmrelease ${object.metadata.name}${ns} --force`;
    case "Kustomization":
      return `Look at the Kustomization's events (flux get kustomizations${ns}), fix the cause, then run: flux reconcile kustomization ${object.metadata.name}${ns} --with-source`;
    case "OCIRepository":
      return `Check that the appliance can reach the registry (network, DNS, proxy), then run: flux reconcile source oci ${object.metadata.name}${ns}`;
    case "Pod":
      return retryable
        ? `Wait, or delete pod${ns} ${object.metadata.name} to retry now; if it persists, collect a support bundle.`
        : `Read the pod's events and logs (kubectl describe pod ${object.metadata.name}${ns}; kubectl logs ${object.metadata.name}${ns}) and fix the cause; collect a support bundle if unsure.`;
    case "Node":
      return "Check the node: disk space, memory and the k3s service (journalctl -u k3s).";
    default:
      return `Read the events of ${describe(object)} (kubectl describe ${object.kind.toLowerCase()} ${object.metadata.name}${ns}) and fix the cause.`;
  }
}

interface RankedBlocker {
  readonly blocker: Blocker;
  readonly rank: readonly (number | string)[];
  /** Blockers with the same key are one failure seen on several objects (one image, two pods). */
  readonly mergeKey?: string;
}

/** Keeps the first (highest-ranked) blocker of each failure; the others' objects become its symptoms. */
function mergeSameFailure(sorted: readonly RankedBlocker[]): RankedBlocker[] {
  const kept: RankedBlocker[] = [];
  const byKey = new Map<string, RankedBlocker>();
  for (const ranked of sorted) {
    const first = ranked.mergeKey ? byKey.get(ranked.mergeKey) : undefined;
    if (!first) {
      const copy = { ...ranked, blocker: { ...ranked.blocker, symptoms: [...ranked.blocker.symptoms] } };
      kept.push(copy);
      if (ranked.mergeKey) byKey.set(ranked.mergeKey, copy);
      continue;
    }
    const seen = new Set(first.blocker.symptoms.map(referenceKey));
    for (const ref of [ranked.blocker.evidence.object, ...ranked.blocker.symptoms]) {
      if (!seen.has(referenceKey(ref)) && referenceKey(ref) !== referenceKey(first.blocker.evidence.object)) {
        seen.add(referenceKey(ref));
        first.blocker.symptoms.push(ref);
      }
    }
  }
  return kept;
}

function compareRanks(a: RankedBlocker, b: RankedBlocker): number {
  for (let i = 0; i < a.rank.length; i++) {
    const x = a.rank[i]!;
    const y = b.rank[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The canonical status of an appliance from a cluster snapshot: a pure function of its inputs,
 * so the same snapshot, options and `now` give the same document, in the same order.
 */
export function classifySnapshot(snapshot: ClusterSnapshot, options: ClassifyOptions): ApplianceStatus {
  const now = options.now;
  const stuckAfter = options.stuckAfterSeconds ?? 20 * 60;
  const events = snapshot.items.filter((o) => o.kind === "Event").map(toStatusEvent).sort(compareEventsNewestFirst);
  const eventsByObject = indexEvents(events);
  const nodes = buildDependencyGraph(snapshot.items);
  const statuses = new Map<string, ObjectStatusResult>();
  for (const [key, node] of nodes) statuses.set(key, computeObjectStatus(node.object));
  for (const [key, why] of supersededObjects(nodes, statuses)) {
    const previous = statuses.get(key)!;
    statuses.set(key, { status: "Current", message: `${previous.status.toLowerCase()}, ${why}: ${previous.message}`, since: previous.since });
  }
  const statusOf = (key: string): ObjectStatus => statuses.get(key)?.status ?? "Unknown";
  const stuckSeconds = (key: string): number | null => {
    const result = statuses.get(key)!;
    if (result.status !== "InProgress" || result.since === undefined) return null;
    const seconds = Math.floor((now - result.since) / 1000);
    return seconds >= stuckAfter ? seconds : null;
  };
  const suspended = (object: KubeObject): boolean => FLUX_KINDS.has(object.kind) && object.spec?.["suspend"] === true;

  // Active operations first: a pod pulling an image is progress, not a problem.
  const operations: ActiveOperation[] = [];
  const pulling = new Set<string>();
  for (const node of [...nodes.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (node.object.kind !== "Pod" || !node.component) continue;
    const pulls = activeImagePulls(node.object, node.component, eventsByObject.get(node.key) ?? [], now);
    if (pulls.length > 0) pulling.add(node.key);
    operations.push(...pulls);
  }

  // Root causes and what they explain.
  const blockers: RankedBlocker[] = [];
  const explained = new Set<string>();
  const rootCauses = findRootCauses(nodes, statusOf);
  const blockerFor = (key: string, symptoms: readonly string[], isRoot: boolean): RankedBlocker | undefined => {
    const node = nodes.get(key)!;
    const { object } = node;
    const component: ApplianceComponent = node.component ?? { name: object.metadata.name, tier: "platform", dependsOn: [] };
    const status = statuses.get(key)!;
    const recognised = recogniseFailure(signalsOf(object, eventsByObject), component);
    const stuck = stuckSeconds(key);
    let severity: Blocker["severity"];
    if (recognised || status.status === "Failed") severity = "failure";
    else if (stuck !== null && !pulling.has(key)) severity = "warning";
    else return undefined;
    const retryable = recognised?.retryable ?? status.status !== "Failed";
    const ref = referenceOf(object);
    const evidence: StatusEvent | null =
      recognised?.evidence ?? signalsOf(object, eventsByObject).find((s) => s.type === "Warning") ?? null;
    const reason =
      recognised?.reason ??
      (severity === "warning"
        ? `${describe(object)} has been in progress for ${Math.floor(stuck! / 60)} min: ${status.message}`
        : `${describe(object)} failed: ${status.message}`);
    const blocker: Blocker = {
      layer: recognised?.layer ?? (severity === "warning" ? "Slow progress" : FLUX_KINDS.has(object.kind) ? "Flux reconciliation" : "Workload failure"),
      component: component.name,
      tier: component.tier,
      reason,
      nextAction: recognised?.nextAction ?? (severity === "warning" ? `Wait a little longer; if it does not move: ${genericNextAction(object, true)}` : genericNextAction(object, retryable)),
      loginBlocking: recognised?.loginBlocking ?? isLoginBlockingTier(component.tier),
      retryable,
      severity,
      evidence: { object: ref, event: evidence },
      symptoms: symptoms.map((s) => referenceOf(nodes.get(s)!.object)),
    };
    return {
      blocker,
      ...(recognised?.subject ? { mergeKey: `${recognised.recogniser}|${recognised.subject}` } : {}),
      rank: [
        severity === "failure" ? 0 : 1,
        isRoot ? 0 : 1,
        blocker.loginBlocking ? 0 : 1,
        TIER_ORDER[component.tier],
        recogniserRank(recognised?.recogniser),
        key,
      ],
    };
  };

  for (const [root, symptoms] of rootCauses) {
    const ranked = blockerFor(root, symptoms, true);
    if (!ranked) continue;
    blockers.push(ranked);
    explained.add(root);
    for (const symptom of symptoms) explained.add(symptom);
  }
  // A Flux object that gave up (a Helm install timeout) while its root cause was still only in
  // progress: the give-up itself needs a person (a forced reconcile), so it is reported too.
  for (const [key, result] of [...statuses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (result.status !== "Failed" || explained.has(key)) continue;
    const symptoms = [...rootCauses].filter(([, s]) => s.includes(key)).map(([root]) => root);
    if (symptoms.some((root) => blockers.some((b) => referenceKey(b.blocker.evidence.object) === root))) continue;
    const ranked = blockerFor(key, [], false);
    if (ranked) blockers.push(ranked);
  }
  // Suspended Flux objects: Flux will not touch them until someone resumes them.
  for (const node of [...nodes.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (!suspended(node.object)) continue;
    const component = node.component ?? { name: node.object.metadata.name, tier: "platform" as const, dependsOn: [] };
    const ready = statusOf(node.key) === "Current";
    const kindWord = node.object.kind === "HelmRelease" ? "helmrelease" : node.object.kind === "Kustomization" ? "kustomization" : `source ${node.object.kind === "OCIRepository" ? "oci" : node.object.kind.toLowerCase()}`;
    blockers.push({
      blocker: {
        layer: "Flux reconciliation suspended",
        component: component.name,
        tier: component.tier,
        reason: `${describe(node.object)} is suspended: Flux will not install or update it${ready ? " (its last reconcile succeeded)" : " and it is not ready"}`,
        nextAction: `Resume it when maintenance is over: flux resume ${kindWord} ${node.object.metadata.name}${node.object.metadata.namespace ? ` -n ${node.object.metadata.namespace}` : ""}`,
        loginBlocking: !ready && isLoginBlockingTier(component.tier),
        retryable: false,
        severity: ready ? "warning" : "failure",
        evidence: { object: referenceOf(node.object), event: null },
        symptoms: [],
      },
      rank: [ready ? 1 : 0, 0, isLoginBlockingTier(component.tier) ? 0 : 1, TIER_ORDER[component.tier], -1, node.key],
    });
  }
  // Kinds the service could not read: the status is incomplete, say so and why.
  for (const error of [...(options.accessErrors ?? [])].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))) {
    const forbidden = error.code === 403;
    blockers.push({
      blocker: {
        layer: "Status service access",
        component: "appliance-status",
        tier: "platform",
        reason: forbidden
          ? `The status service may not list ${error.kind} (403 Forbidden); this status is incomplete`
          : `The status service could not list ${error.kind}${error.code ? ` (HTTP ${error.code})` : ""}: ${error.message}`,
        nextAction: forbidden
          ? "Re-apply the platform tier so the appliance-status-readonly ClusterRole and its binding to alga-system/appliance-status are in place: flux reconcile kustomization alga-platform -n flux-system"
          : "Check that the Kubernetes API server is up (kubectl get --raw /readyz); the status service retries on its next refresh.",
        loginBlocking: false,
        retryable: !forbidden,
        severity: "warning",
        evidence: { object: { kind: "APIResource", name: error.kind }, event: null },
        symptoms: [],
      },
      rank: [1, 0, 1, 0, -1, `access/${error.kind}`],
    });
  }
  blockers.sort(compareRanks);
  const topBlockers = mergeSameFailure(blockers).slice(0, options.blockerLimit ?? 25).map((b) => b.blocker);

  // Components: every known one, found or not, in catalogue order.
  const components: ComponentStatus[] = APPLIANCE_COMPONENTS.map((placement) => {
    const members = [...nodes.values()].filter((n) => n.component?.name === placement.name).sort((a, b) => (a.key < b.key ? -1 : 1));
    const objects = members.map((n) => ({ ref: referenceOf(n.object), status: statusOf(n.key), message: statuses.get(n.key)!.message, stuckForSeconds: stuckSeconds(n.key) }));
    const worst = objects.reduce<(typeof objects)[number] | undefined>((w, o) => (!w || STATUS_RANK[o.status] < STATUS_RANK[w.status] ? o : w), undefined);
    return {
      name: placement.name,
      tier: placement.tier,
      status: worst?.status ?? "NotFound",
      suspended: members.some((n) => suspended(n.object)),
      message: worst ? (worst.status === "Current" ? worst.message : `${worst.ref.kind} ${worst.ref.name}: ${worst.message}`) : "no objects yet",
      objects,
    };
  });

  const tiers = computeTiers(components, topBlockers, options.probes ?? {});
  const loginUrl = options.urls?.login ?? null;
  const rollup = computeRollup(tiers, topBlockers, operations, loginUrl);
  const fromCluster = releaseFromCluster(snapshot.items);
  return {
    schemaVersion: 1,
    siteId: options.siteId ?? "appliance",
    timestamp: new Date(now).toISOString(),
    release: {
      version: options.release?.version ?? fromCluster.version,
      channel: options.release?.channel ?? fromCluster.channel,
      bundleDigest: options.release?.bundleDigest ?? fromCluster.bundleDigest,
      sourceRevision: options.release?.sourceRevision ?? fromCluster.sourceRevision,
    },
    urls: { status: options.urls?.status ?? null, login: loginUrl },
    rollup,
    tiers,
    topBlockers,
    components,
    recentEvents: events.slice(0, options.recentEventLimit ?? 30),
    activeOperations: operations.sort((a, b) => (a.tier === "background") === (b.tier === "background") ? b.elapsedSeconds - a.elapsedSeconds || (referenceKey(a.pod) + a.image < referenceKey(b.pod) + b.image ? -1 : 1) : a.tier === "background" ? 1 : -1),
  };
}
