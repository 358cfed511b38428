import type { ActiveOperation, ApplianceStatus, Blocker, ComponentStatus, Freshness, InstallProgress, ObjectReference, ObjectStatus, StatusEvent, TierReadiness } from "../../../schemas/status.js";
import { CONFIG_SOURCE, STATUS_SERVICE } from "../../../schemas/components.js";
import { APPLIANCE_COMPONENTS, COMPONENTS_BY_NAME, TIER_ORDER, assignComponents, inApplianceScope, isLoginBlockingTier, type ApplianceComponent } from "./appliance-components.js";
import { holdsKind, objectKey, parseTime, type ClusterSnapshot, type KubeObject } from "./cluster-snapshot.js";
import { activeImagePulls } from "./active-operations.js";
import { accessCommands, commandsFor } from "./blocker-commands.js";
import { buildDependencyGraph, type GraphNode } from "./dependency-graph.js";
import { recogniseFailure, recogniserRank, type RecognisedFailure } from "./failure-recognisers.js";
import { computeObjectStatus, containerStatusesOf, FLUX_KINDS, type ObjectStatusResult } from "./object-status.js";
import { computeTiers, serving, type StatusProbes } from "./readiness-tiers.js";
import { serviceEndpoints } from "./service-endpoints.js";
import { findRootCauses } from "./root-causes.js";
import { supersededObjects } from "./superseded-objects.js";
import { ACCESS_LAYER, FRESHNESS_LAYER, computeRollup } from "./rollup.js";
import { compareEventsNewestFirst, currentSignals, indexEvents, isSynthetic, referenceKey, referenceOf, signalsOf, toStatusEvent } from "./status-events.js";
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
  /** In progress for longer than this is reported as slow progress (kstatus: stuck is not failed). */
  readonly stuckAfterSeconds?: number;
  readonly recentEventLimit?: number;
  /** How many blockers the status lists (a cluster with hundreds of broken pods stays readable). @default 25 */
  readonly blockerLimit?: number;
  /** Live mode: when the cluster was last read completely, and why the latest read failed. */
  readonly freshness?: { readonly lastSuccessfulRead: number | null; readonly intervalMs: number; readonly error: string | null };
}

const STATUS_RANK: Record<ObjectStatus, number> = { Failed: 0, Terminating: 1, InProgress: 2, NotFound: 3, Unknown: 4, Current: 5 };
/** The app login traffic goes to: its Service must have a ready endpoint. */
const LOGIN_APP = "alga-core";
/** The RBAC resource name of EndpointSlices, as the live collector reports an access error for it. */
const ENDPOINT_SLICES_RESOURCE = "endpointslices";
/** Blockers about a Service that routes login traffic nowhere. */
const ROUTING_LAYER = "Service endpoints";

/** Caps that keep /api/status small on a big cluster; counts beside them say how many there were. */
const LIMITS = { objectsPerComponent: 50, symptoms: 20, inProgress: 20, errorChars: 2000, reasonErrorChars: 400 } as const;

/** Human description of an object for messages. */
function describe(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}

/** A message trimmed to `max` characters on one line, whitespace runs collapsed. */
function trimMessage(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function genericNextAction(object: KubeObject, retryable: boolean): string {
  const ns = object.metadata.namespace ? ` -n ${object.metadata.namespace}` : "";
  switch (object.kind) {
    case "HelmRelease":
      return `Fix the cause named in the HelmRelease's error, then run: flux reconcile helmrelease ${object.metadata.name}${ns} --force`;
    case "Kustomization":
      return `Fix the cause named in the Kustomization's error, then run: flux reconcile kustomization ${object.metadata.name}${ns} --with-source`;
    case "OCIRepository":
      return `Check that the appliance can reach the registry, then run: flux reconcile source oci ${object.metadata.name}${ns}`;
    case "Pod":
      return retryable
        ? `Wait, or delete pod${ns} ${object.metadata.name} to retry now; if it persists, collect a support bundle.`
        : `Read the error below and the pod's logs (kubectl logs ${object.metadata.name}${ns} --previous) and fix the cause; collect a support bundle if unsure.`;
    case "Node":
      return "Check the node: disk space, memory and the k3s service (journalctl -u k3s).";
    default:
      return `Read the events of ${describe(object)} (kubectl describe ${object.kind.toLowerCase()} ${object.metadata.name}${ns}) and fix the cause.`;
  }
}

interface RankedBlocker {
  readonly blocker: Blocker;
  readonly rank: readonly (number | string)[];
  /** Blockers with the same key are one failure seen on several objects (one image, two pods; a Job's retries). */
  readonly mergeKey?: string;
  /** Every object of this failure, for the symptom cap. */
  readonly symptomKeys: string[];
}

/** Keeps the first (highest-ranked) blocker of each failure; the others' objects become its symptoms and count. */
function mergeSameFailure(sorted: readonly RankedBlocker[]): RankedBlocker[] {
  const kept: RankedBlocker[] = [];
  const byKey = new Map<string, { ranked: RankedBlocker; seen: Set<string>; symptoms: ObjectReference[]; count: number }>();
  const merged: { ranked: RankedBlocker; seen: Set<string>; symptoms: ObjectReference[]; count: number }[] = [];
  for (const ranked of sorted) {
    const first = ranked.mergeKey ? byKey.get(ranked.mergeKey) : undefined;
    if (!first) {
      const entry = { ranked, seen: new Set([referenceKey(ranked.blocker.evidence.object), ...ranked.symptomKeys]), symptoms: [...ranked.blocker.symptoms], count: ranked.blocker.count };
      merged.push(entry);
      if (ranked.mergeKey) byKey.set(ranked.mergeKey, entry);
      continue;
    }
    first.count += ranked.blocker.count;
    for (const ref of [ranked.blocker.evidence.object, ...ranked.blocker.symptoms]) {
      const key = referenceKey(ref);
      if (!first.seen.has(key)) {
        first.seen.add(key);
        first.symptoms.push(ref);
      }
    }
  }
  for (const entry of merged) {
    const symptoms = entry.symptoms;
    kept.push({
      ...entry.ranked,
      blocker: { ...entry.ranked.blocker, count: entry.count, symptoms: symptoms.slice(0, LIMITS.symptoms), symptomCount: Math.max(entry.ranked.blocker.symptomCount, symptoms.length) },
    });
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

/** Warning events that report progress, not a cause: a readiness probe failing while a pod starts. */
const PROGRESS_WARNINGS = new Set(["Unhealthy", "BackOff", "ProbeWarning"]);

/** Synthetic signals from conditions that only restate "not ready" (the container states say why). */
const CONDITION_REASONS = new Set(["ContainersNotReady", "PodNotReady", "MinimumReplicasUnavailable", "ReplicaSetUpdated", "Progressing"]);

/** The newest Warning event (not a synthetic signal) that names a cause. */
function causeEvent(signals: readonly StatusEvent[]): StatusEvent | undefined {
  return signals.find((s) => (s.type === "Warning" || s.reason.startsWith("Failed")) && !isSynthetic(s) && !PROGRESS_WARNINGS.has(s.reason) && !/^Back-off pulling image/.test(s.message));
}

/**
 * The message that decides a failure, as the cluster wrote it: a container's termination or
 * waiting message, a cause-naming Warning event, the Flux object's Ready message, the pod's
 * status message. Synthetic signals (read from the object's status) come first because they
 * carry exit codes and termination messages.
 */
function decidingError(object: KubeObject, status: ObjectStatusResult, signals: readonly StatusEvent[], recognised: RecognisedFailure | undefined): string | null {
  if (recognised) return recognised.evidence.message;
  if (FLUX_KINDS.has(object.kind) || object.kind === "Node" || object.kind === "Job") return status.status === "Current" ? null : status.message;
  const synthetic = signals.find((s) => isSynthetic(s) && !CONDITION_REASONS.has(s.reason) && s.message);
  const event = causeEvent(signals);
  if (object.kind === "Pod" && status.status === "Failed" && /^unschedulable/.test(status.message) && event) return event.message;
  return synthetic?.message ?? event?.message ?? (status.status === "Failed" ? status.message : null);
}

function healthCheckNote(symptoms: readonly string[], nodes: ReadonlyMap<string, GraphNode>, statuses: ReadonlyMap<string, ObjectStatusResult>): string {
  for (const key of symptoms) {
    const node = nodes.get(key);
    if (node?.object.kind !== "Kustomization") continue;
    const message = statuses.get(key)?.message ?? "";
    if (/health check failed/i.test(message)) return `; ${describe(node.object)}: ${trimMessage(message, 300)}`;
  }
  return "";
}

/**
 * The canonical status of an appliance from a cluster snapshot: a pure function of its inputs,
 * so the same snapshot, options and `now` give the same document, in the same order.
 */
export function classifySnapshot(snapshot: ClusterSnapshot, options: ClassifyOptions): ApplianceStatus {
  const now = options.now;
  const stuckAfter = options.stuckAfterSeconds ?? 20 * 60;
  // Only what can be the appliance's: a full `kubectl get -A` dump of a busy cluster is mostly other tenants.
  const items = snapshot.items.filter(inApplianceScope);
  const events = items.filter((o) => o.kind === "Event").map(toStatusEvent).sort(compareEventsNewestFirst);
  const eventsByObject = indexEvents(events);
  const assigned = assignComponents(items);
  const nodes = buildDependencyGraph(items, assigned);
  const sortedNodes = [...nodes.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
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
  const signalCache = new Map<string, StatusEvent[]>();
  const signals = (node: GraphNode): StatusEvent[] => {
    let cached = signalCache.get(node.key);
    if (!cached) signalCache.set(node.key, (cached = currentSignals(signalsOf(node.object, eventsByObject))));
    return cached;
  };

  // Active operations first: a pod pulling an image is progress, not a problem.
  const operations: ActiveOperation[] = [];
  const pulling = new Set<string>();
  for (const node of sortedNodes) {
    if (node.object.kind !== "Pod") continue;
    const pulls = activeImagePulls(node.object, node.component, eventsByObject.get(node.key) ?? [], now);
    if (pulls.length > 0) pulling.add(node.key);
    operations.push(...pulls);
  }

  // Components: every known one, found or not, in catalogue order; the worst objects listed first.
  const membersByComponent = new Map<string, GraphNode[]>();
  for (const node of sortedNodes) {
    const list = membersByComponent.get(node.component.name);
    if (list) list.push(node);
    else membersByComponent.set(node.component.name, [node]);
  }
  const components: ComponentStatus[] = APPLIANCE_COMPONENTS.map((placement) => {
    const members = membersByComponent.get(placement.name) ?? [];
    const objects = members
      .map((n) => ({ ref: referenceOf(n.object), status: statusOf(n.key), message: statuses.get(n.key)!.message, stuckForSeconds: stuckSeconds(n.key) }))
      .sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]);
    const worst = objects[0];
    return {
      name: placement.name,
      tier: placement.tier,
      status: worst?.status ?? "NotFound",
      suspended: members.some((n) => suspended(n.object)),
      message: worst ? (worst.status === "Current" ? worst.message : `${worst.ref.kind} ${worst.ref.name}: ${worst.message}`) : "no objects yet",
      objectCount: objects.length,
      objects: objects.slice(0, LIMITS.objectsPerComponent),
    };
  });

  const slicesError = options.accessErrors?.find((e) => e.kind === ENDPOINT_SLICES_RESOURCE);
  const appEndpoints = serviceEndpoints(LOGIN_APP, {
    items,
    components: assigned,
    slicesRead: holdsKind(snapshot, "EndpointSlice"),
    ...(slicesError ? { slicesError } : {}),
    eventsByObject,
  });
  const baseTiers = computeTiers({ nodes, statuses, components, appEndpoints }, options.probes ?? {});
  const loginReady = baseTiers.login.ready;
  const loginBlocking = (tier: ApplianceComponent["tier"]): boolean => !loginReady && isLoginBlockingTier(tier);
  const updateBlocking = (keys: readonly string[]): boolean =>
    keys.some((key) => {
      const node = nodes.get(key);
      return node !== undefined && FLUX_KINDS.has(node.object.kind) && node.component.tier !== "background";
    });

  // Root causes and what they explain.
  const blockers: RankedBlocker[] = [];
  const explained = new Set<string>();
  const rootCauses = findRootCauses(nodes, statusOf);
  const blockerFor = (key: string, symptoms: readonly string[], isRoot: boolean): RankedBlocker | undefined => {
    const node = nodes.get(key)!;
    const { object, component } = node;
    const status = statuses.get(key)!;
    const objectSignals = signals(node);
    const recognised = recogniseFailure(objectSignals, component, object);
    const cause = status.status === "InProgress" ? causeEvent(objectSignals) : undefined;
    const stuck = stuckSeconds(key);
    // Severity never softens with age: a failure, a recognised cause or a Warning naming a cause is a
    // failure from the first minute; only what is still progressing becomes "slow progress".
    let severity: Blocker["severity"];
    if (recognised || status.status === "Failed" || cause) severity = "failure";
    else if (stuck !== null && !pulling.has(key)) severity = "warning";
    else return undefined;
    const retryable = recognised?.retryable ?? (status.status !== "Failed" && !cause);
    const ref = referenceOf(object);
    const evidence: StatusEvent | null = recognised?.evidence ?? cause ?? objectSignals.find((s) => s.type === "Warning") ?? null;
    const error = severity === "failure" ? decidingError(object, status, objectSignals, recognised ?? (cause ? { evidence: cause } as RecognisedFailure : undefined)) : null;
    const summary =
      recognised?.reason ??
      (severity === "warning"
        ? `${describe(object)} has been in progress for ${Math.floor(stuck! / 60)} min: ${status.message}`
        : status.status === "Failed"
          ? `${describe(object)} failed`
          : `${describe(object)} is not ready`);
    const reason = `${summary}${error && !summary.includes(error) ? `: ${trimMessage(error, LIMITS.reasonErrorChars)}` : ""}${healthCheckNote(symptoms, nodes, statuses)}`;
    const crashed = object.kind === "Pod" && containerStatusesOf(object).some((c) => (c.restartCount ?? 0) > 0);
    const failingContainer = object.kind === "Pod" ? containerStatusesOf(object).find((c) => !c.ready && (c.state?.waiting || c.state?.terminated))?.name : undefined;
    const owner = object.kind === "Pod" ? object.metadata.ownerReferences?.[0] : undefined;
    const blocker: Blocker = {
      layer: recognised?.layer ?? (severity === "warning" ? "Slow progress" : FLUX_KINDS.has(object.kind) ? "Flux reconciliation" : "Workload failure"),
      component: component.name,
      tier: component.tier,
      reason,
      error: error === null ? null : trimMessage(error, LIMITS.errorChars),
      nextAction: recognised?.nextAction ?? (severity === "warning" ? `Wait a little longer; if it does not move: ${genericNextAction(object, true)}` : genericNextAction(object, retryable)),
      commands: commandsFor(recognised?.nodeName && recognised.nodeName !== "the node" ? { kind: "Node", name: recognised.nodeName } : ref, {
        ...(failingContainer ? { container: failingContainer } : {}),
        crashed,
        extra: [...(recognised?.nodeName && recognised.nodeName !== "the node" ? commandsFor(ref) : []), ...(recognised?.commands ?? [])],
      }),
      loginBlocking: loginBlocking(component.tier),
      blocksUpdates: severity === "failure" && updateBlocking([key, ...symptoms]),
      retryable,
      severity,
      count: 1,
      evidence: { object: ref, event: evidence },
      symptoms: symptoms.map((s) => referenceOf(nodes.get(s)!.object)),
      symptomCount: symptoms.length,
    };
    // One failure, one blocker: the same recognised cause anywhere, or the same owner's pods (a Job's retries, replicas).
    const mergeKey = recognised?.subject ? `subject|${recognised.subject}` : owner ? `owner|${object.metadata.namespace ?? ""}/${owner.kind}/${owner.name}|${blocker.layer}` : undefined;
    return {
      blocker,
      ...(mergeKey ? { mergeKey } : {}),
      symptomKeys: [...symptoms],
      rank: [severity === "failure" ? 0 : 1, isRoot ? 0 : 1, blocker.loginBlocking ? 0 : 1, TIER_ORDER[component.tier], recogniserRank(recognised?.recogniser), key],
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
  const reportedRoots = new Set(blockers.map((b) => referenceKey(b.blocker.evidence.object)));
  const rootsBySymptom = new Map<string, string[]>();
  for (const [root, symptoms] of rootCauses) for (const s of symptoms) rootsBySymptom.set(s, [...(rootsBySymptom.get(s) ?? []), root]);
  for (const [key, result] of [...statuses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (result.status !== "Failed" || explained.has(key)) continue;
    if ((rootsBySymptom.get(key) ?? []).some((root) => reportedRoots.has(root))) continue;
    const ranked = blockerFor(key, [], false);
    if (ranked) blockers.push(ranked);
  }
  // alga-core's replicas are ready but its Service routes nowhere: login is down for that reason alone.
  if (appEndpoints.state === "not-serving" && serving({ nodes, statuses }, LOGIN_APP).ok) {
    const component = COMPONENTS_BY_NAME.get(LOGIN_APP)!;
    for (const problem of appEndpoints.problems) {
      blockers.push({
        blocker: {
          layer: ROUTING_LAYER,
          component: component.name,
          tier: component.tier,
          reason: problem.reason,
          error: problem.error === null ? null : trimMessage(problem.error, LIMITS.errorChars),
          nextAction: problem.nextAction,
          commands: problem.commands,
          loginBlocking: loginBlocking(component.tier),
          blocksUpdates: false,
          retryable: problem.retryable,
          severity: problem.severity,
          count: 1,
          evidence: { object: problem.object, event: problem.evidence },
          symptoms: problem.pods.slice(0, LIMITS.symptoms),
          symptomCount: problem.pods.length,
        },
        symptomKeys: [],
        rank: [problem.severity === "failure" ? 0 : 1, 0, 0, TIER_ORDER[component.tier], -1, referenceKey(problem.object)],
      });
    }
  }
  // Suspended Flux objects: Flux will not touch them until someone resumes them.
  for (const node of sortedNodes) {
    if (!suspended(node.object)) continue;
    const component = node.component;
    const ready = statusOf(node.key) === "Current";
    const kindWord = node.object.kind === "HelmRelease" ? "helmrelease" : node.object.kind === "Kustomization" ? "kustomization" : `source ${node.object.kind === "OCIRepository" ? "oci" : node.object.kind.toLowerCase()}`;
    const ns = node.object.metadata.namespace ? ` -n ${node.object.metadata.namespace}` : "";
    blockers.push({
      blocker: {
        layer: "Flux reconciliation suspended",
        component: component.name,
        tier: component.tier,
        reason: `${describe(node.object)} is suspended: Flux will not install or update it${ready ? " (its last reconcile succeeded)" : " and it is not ready"}`,
        error: null,
        nextAction: `Resume it when maintenance is over: flux resume ${kindWord} ${node.object.metadata.name}${ns}`,
        commands: [`flux${ns} resume ${kindWord} ${node.object.metadata.name}`],
        loginBlocking: !ready && loginBlocking(component.tier),
        blocksUpdates: false,
        retryable: false,
        severity: ready ? "warning" : "failure",
        count: 1,
        evidence: { object: referenceOf(node.object), event: null },
        symptoms: [],
        symptomCount: 0,
      },
      symptomKeys: [],
      rank: [ready ? 1 : 0, 0, isLoginBlockingTier(component.tier) ? 0 : 1, TIER_ORDER[component.tier], -1, node.key],
    });
  }
  // Kinds the service could not read: the status is incomplete, say so and why.
  for (const error of [...(options.accessErrors ?? [])].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))) {
    const forbidden = error.code === 403 || error.code === 401;
    blockers.push({
      blocker: {
        layer: ACCESS_LAYER,
        component: STATUS_SERVICE.name,
        tier: "platform",
        reason: forbidden
          ? `The status service may not list ${error.kind} (${error.code === 401 ? "401 Unauthorized" : "403 Forbidden"}); this status is incomplete`
          : `The status service could not list ${error.kind}${error.code ? ` (HTTP ${error.code})` : ""}: ${error.message}`,
        error: trimMessage(error.message, LIMITS.errorChars),
        nextAction: forbidden
          ? `Re-apply the platform tier so the ${STATUS_SERVICE.name}-readonly ClusterRole and its binding to ${STATUS_SERVICE.namespace}/${STATUS_SERVICE.name} are in place; the status service reads again on its next refresh.`
          : "Check that the Kubernetes API server is up (kubectl get --raw /readyz); the status service retries on its next refresh.",
        commands: forbidden ? accessCommands(error.kind, STATUS_SERVICE) : ["kubectl get --raw /readyz"],
        loginBlocking: false,
        blocksUpdates: false,
        retryable: !forbidden,
        severity: forbidden ? "failure" : "warning",
        count: 1,
        evidence: { object: { kind: "APIResource", name: error.kind }, event: null },
        symptoms: [],
        symptomCount: 0,
      },
      symptomKeys: [],
      rank: [forbidden ? 0 : 1, 0, 1, 0, -2, `access/${error.kind}`],
    });
  }
  const freshness = freshnessOf(options, now);
  // Before any good read the access blocker already says why there is nothing to show.
  if (freshness.stale && freshness.lastSuccessfulRead !== null) {
    const ago = options.freshness?.lastSuccessfulRead ? Math.floor((now - options.freshness.lastSuccessfulRead) / 1000) : null;
    blockers.push({
      blocker: {
        layer: FRESHNESS_LAYER,
        component: STATUS_SERVICE.name,
        tier: "platform",
        reason: `This status is stale: the cluster was last read ${ago === null ? "never" : `${ago} s ago (${freshness.lastSuccessfulRead})`}${freshness.error ? `; the latest read failed: ${trimMessage(freshness.error, LIMITS.reasonErrorChars)}` : ""}`,
        error: freshness.error,
        nextAction: "Check that the Kubernetes API server answers and that the status service's service-account token is mounted; what is shown is the last state read.",
        commands: ["kubectl get --raw /readyz", `kubectl -n ${STATUS_SERVICE.namespace} logs deploy/${STATUS_SERVICE.name} --tail=50`],
        loginBlocking: false,
        blocksUpdates: false,
        retryable: true,
        severity: "warning",
        count: 1,
        evidence: { object: { kind: "APIResource", name: "cluster" }, event: null },
        symptoms: [],
        symptomCount: 0,
      },
      symptomKeys: [],
      rank: [-1, 0, 0, 0, -3, "freshness"],
    });
  }
  blockers.sort(compareRanks);
  const allBlockers = mergeSameFailure(blockers).map((b) => b.blocker);
  const topBlockers = allBlockers.slice(0, options.blockerLimit ?? 25);

  // A tier with a failure in it is failing, whatever it waits for.
  for (const [name, tier] of Object.entries(baseTiers) as [keyof typeof baseTiers, TierReadiness][]) {
    if (!tier.ready && allBlockers.some((b) => b.severity === "failure" && b.tier === name && b.layer !== ACCESS_LAYER)) baseTiers[name] = { ...tier, state: "failing" };
  }
  const allReady = Object.values(baseTiers).every((t) => t.ready);
  const suspendedComponent = components.find((c) => c.suspended);
  const latestReady = Object.values(baseTiers).reduce<string | null>((latest, t) => (t.since !== null && (latest === null || t.since > latest) ? t.since : latest), null);
  const anyFailure = allBlockers.some((b) => b.severity === "failure");
  const notReadyState: TierReadiness["state"] = anyFailure ? "failing" : Object.values(baseTiers).some((t) => t.state === "in_progress") ? "in_progress" : "waiting";
  const fullHealth: TierReadiness = !allReady
    ? { ready: false, state: notReadyState, reason: "not every tier is ready", since: null }
    : allBlockers.length > 0
      ? { ready: false, state: anyFailure ? "failing" : "in_progress", reason: `${allBlockers.length} open issue(s): ${allBlockers[0]!.reason}`, since: null }
      : suspendedComponent
        ? { ready: false, state: "waiting", reason: `${suspendedComponent.name} is suspended`, since: null }
        : { ready: true, state: "ready", reason: "every tier ready, no open issues", since: latestReady };
  const tiers = { ...baseTiers, fullHealth };
  const loginUrl = options.urls?.login ?? null;
  const rollup = computeRollup(tiers, topBlockers, operations, loginUrl);
  const fromCluster = releaseFromCluster(items);
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
    freshness,
    install: installProgress(nodes, sortedNodes, statuses, explainedFailures(allBlockers), now),
    topBlockers,
    blockerCount: allBlockers.length,
    components,
    recentEvents: events.slice(0, options.recentEventLimit ?? 30),
    activeOperations: operations.sort((a, b) => (a.tier === "background") === (b.tier === "background") ? b.elapsedSeconds - a.elapsedSeconds || (referenceKey(a.pod) + a.image < referenceKey(b.pod) + b.image ? -1 : 1) : a.tier === "background" ? 1 : -1),
  };
}

function freshnessOf(options: ClassifyOptions, now: number): Freshness {
  const f = options.freshness;
  if (!f) return { lastSuccessfulRead: null, stale: false, error: null };
  const stale = f.lastSuccessfulRead === null ? f.error !== null : now - f.lastSuccessfulRead > 2 * f.intervalMs;
  return { lastSuccessfulRead: f.lastSuccessfulRead === null ? null : new Date(f.lastSuccessfulRead).toISOString(), stale, error: f.error === null ? null : trimMessage(f.error, LIMITS.errorChars) };
}

function explainedFailures(blockers: readonly Blocker[]): Set<string> {
  const keys = new Set<string>();
  for (const b of blockers) {
    keys.add(referenceKey(b.evidence.object));
    for (const s of b.symptoms) keys.add(referenceKey(s));
  }
  return keys;
}

const PROGRESS_KINDS = new Set(["Pod", "PersistentVolumeClaim", "Job", "HelmRelease", "Kustomization", "OCIRepository", "Deployment", "StatefulSet"]);

/** The install-progress view: when the install began, and what is still coming up (failures are blockers, not progress). */
function installProgress(nodes: ReadonlyMap<string, GraphNode>, sortedNodes: readonly GraphNode[], statuses: ReadonlyMap<string, ObjectStatusResult>, failing: ReadonlySet<string>, now: number): InstallProgress {
  const source = nodes.get(`${CONFIG_SOURCE.kind}/${CONFIG_SOURCE.namespace}/${CONFIG_SOURCE.name}`);
  const started = parseTime(source?.object.metadata.creationTimestamp);
  const inProgress = sortedNodes
    .filter((n) => PROGRESS_KINDS.has(n.object.kind) && statuses.get(n.key)?.status === "InProgress" && !failing.has(objectKey(n.object)))
    .sort((a, b) => TIER_ORDER[a.component.tier] - TIER_ORDER[b.component.tier] || (a.key < b.key ? -1 : 1));
  return {
    startedAt: started === undefined ? null : new Date(started).toISOString(),
    elapsedSeconds: started === undefined ? null : Math.max(0, Math.floor((now - started) / 1000)),
    inProgress: inProgress.slice(0, LIMITS.inProgress).map((n) => {
      const since = statuses.get(n.key)!.since;
      return { ref: referenceOf(n.object), component: n.component.name, message: statuses.get(n.key)!.message, forSeconds: since === undefined ? null : Math.max(0, Math.floor((now - since) / 1000)) };
    }),
    inProgressCount: inProgress.length,
  };
}
