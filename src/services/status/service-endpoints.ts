import type { ObjectReference, StatusEvent } from "../../../schemas/status.js";
import { serviceKeyOf, type ApplianceComponent } from "./appliance-components.js";
import { conditionOf, objectKey, type KubeObject } from "./cluster-snapshot.js";
import { referenceOf } from "./status-events.js";

/** One endpoint of a discovery.k8s.io/v1 EndpointSlice, as far as readiness goes. */
interface SliceEndpoint {
  readonly conditions?: { readonly ready?: boolean | null; readonly terminating?: boolean | null } | null;
  readonly targetRef?: { readonly kind?: string; readonly name?: string; readonly namespace?: string } | null;
}

/**
 * Whether a component's Services route traffic to it now, as its EndpointSlices say:
 * - serving: every Service of the component has a ready endpoint that is one of its own pods;
 * - not-serving: one has none (the problems say which and why);
 * - unreadable: the status service could not list EndpointSlices (RBAC, API error): unknown;
 * - not-read: a snapshot file without EndpointSlices (captured without them): replicas decide.
 */
export type EndpointReadiness =
  | { readonly state: "serving"; readonly detail: string }
  | { readonly state: "not-read"; readonly detail: string }
  | { readonly state: "unreadable"; readonly detail: string }
  | { readonly state: "not-serving"; readonly detail: string; readonly problems: readonly RoutingProblem[] };

/** A Service of the component without a ready endpoint, and why: one login blocker. */
export interface RoutingProblem {
  /** The Service without a ready endpoint (the workload, when the component has no Service at all). */
  readonly object: ObjectReference;
  readonly reason: string;
  /** The deciding message, verbatim (the kubelet's readiness probe failure), or null. */
  readonly error: string | null;
  readonly evidence: StatusEvent | null;
  readonly nextAction: string;
  readonly commands: string[];
  readonly severity: "failure" | "warning";
  readonly retryable: boolean;
  /** The pods the Service points at (or should). */
  readonly pods: ObjectReference[];
}

export interface RoutingInputs {
  /** The appliance's objects (already in scope). */
  readonly items: readonly KubeObject[];
  readonly components: ReadonlyMap<string, ApplianceComponent>;
  /** EndpointSlices were read in full (live mode, or a snapshot that holds them). */
  readonly slicesRead: boolean;
  /** Why listing EndpointSlices failed, when it did. */
  readonly slicesError?: { readonly code: number | null; readonly message: string };
  /** Events by object key, newest first. */
  readonly eventsByObject: ReadonlyMap<string, StatusEvent[]>;
}

/**
 * An endpoint takes traffic unless its slice says `ready: false`: the EndpointSlice API defines an
 * unset ready as ready, and the EndpointSlice controller sets it false for a pod that is not ready
 * and for a terminating one (unless the Service publishes not-ready addresses).
 */
function isReady(endpoint: SliceEndpoint): boolean {
  return endpoint.conditions?.ready !== false;
}

function endpointsOf(slice: KubeObject): SliceEndpoint[] {
  const endpoints = slice["endpoints"];
  return Array.isArray(endpoints) ? endpoints.filter((e): e is SliceEndpoint => e !== null && typeof e === "object") : [];
}

function podReady(pod: KubeObject): boolean {
  return conditionOf(pod, "Ready")?.status === "True";
}

/** Pods that can be endpoints at all: not finished (a completed Job pod never is). */
function live(pod: KubeObject): boolean {
  const phase = pod.status?.["phase"];
  return phase !== "Succeeded" && phase !== "Failed";
}

function selectorOf(service: KubeObject): Record<string, string> {
  const selector = service.spec?.["selector"];
  if (!selector || typeof selector !== "object") return {};
  return Object.fromEntries(Object.entries(selector as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"));
}

function matchesSelector(pod: KubeObject, selector: Record<string, string>): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** `a=1,b=2`, keys sorted. */
function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(",");
}

/** A label selector for a shell: label syntax needs no quoting, but a hostile snapshot's value might. */
function selectorArgument(selector: Record<string, string>): string {
  const text = formatLabels(selector);
  return /^[A-Za-z0-9._/=,-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/** `flux -n <ns> reconcile helmrelease <name> --force` for the HelmRelease that rendered a Service (its Flux labels), or undefined. */
function reconcileCommand(service: KubeObject | undefined): string | undefined {
  const labels = service?.metadata.labels ?? {};
  const name = labels["helm.toolkit.fluxcd.io/name"];
  const namespace = labels["helm.toolkit.fluxcd.io/namespace"] ?? service?.metadata.namespace;
  return name && namespace ? `flux -n ${namespace} reconcile helmrelease ${name} --force` : undefined;
}

const describe = (ref: ObjectReference): string => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The kubelet's newest "Readiness probe failed: …" event about a pod (reason Unhealthy). */
function readinessFailure(pod: KubeObject, eventsByObject: ReadonlyMap<string, StatusEvent[]>): StatusEvent | undefined {
  return eventsByObject.get(objectKey(pod))?.find((e) => e.reason === "Unhealthy" && /^Readiness probe/.test(e.message));
}

/**
 * Whether `component` can take traffic through its Services, from the EndpointSlices that serve
 * them. A Service belongs to the component through its namespace and Helm/Flux labels (the
 * ownership model of appliance-components.ts), an EndpointSlice to its Service through the
 * `kubernetes.io/service-name` label. ExternalName Services have no endpoints by design.
 */
export function serviceEndpoints(component: string, inputs: RoutingInputs): EndpointReadiness {
  if (inputs.slicesError) {
    const why = inputs.slicesError.code === 403 || inputs.slicesError.code === 401 ? `${inputs.slicesError.code === 401 ? "401 Unauthorized" : "403 Forbidden"}` : inputs.slicesError.message;
    return { state: "unreadable", detail: `waiting for the status service to read endpointslices (${why}): it cannot tell whether ${component}'s Service has a ready endpoint` };
  }
  if (!inputs.slicesRead) return { state: "not-read", detail: "this snapshot holds no EndpointSlices, so its Service endpoints were not checked" };

  const owned = (object: KubeObject): boolean => inputs.components.get(objectKey(object))?.name === component;
  const services = new Map<string, KubeObject>();
  const slicesByService = new Map<string, KubeObject[]>();
  const pods = new Map<string, KubeObject>();
  const workloads: KubeObject[] = [];
  for (const object of inputs.items) {
    if (object.kind === "Pod") pods.set(objectKey(object), object);
    else if (object.kind === "Service" && owned(object) && object.spec?.["type"] !== "ExternalName") services.set(objectKey(object), object);
    else if (object.kind === "EndpointSlice" && owned(object)) {
      const key = serviceKeyOf(object);
      if (key) slicesByService.set(key, [...(slicesByService.get(key) ?? []), object]);
    } else if ((object.kind === "Deployment" || object.kind === "StatefulSet") && owned(object)) workloads.push(object);
  }
  // Sorted, so that which pod a reason names never depends on the order the snapshot lists them.
  const byKey = (a: KubeObject, b: KubeObject): number => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0);
  for (const slices of slicesByService.values()) slices.sort(byKey);
  const sortedPods = [...pods.values()].sort(byKey);
  const keys = [...new Set([...services.keys(), ...slicesByService.keys()])].sort();
  const ownPods = sortedPods.filter((p) => owned(p) && live(p));

  if (keys.length === 0) {
    const workload = workloads.sort(byKey)[0];
    const namespace = workload?.metadata.namespace ?? ownPods[0]?.metadata.namespace ?? "";
    const problem: RoutingProblem = {
      object: workload ? referenceOf(workload) : { kind: "Service", namespace, name: component },
      reason: `${component} has no Service${namespace ? ` in ${namespace}` : ""} (none carries its Helm labels): nothing routes login traffic to ${workload ? describe(referenceOf(workload)) : "its pods"}`,
      error: null,
      evidence: null,
      nextAction: `Check that the chart that installs ${component} renders its Service (kubectl -n ${namespace} get services --show-labels), then reconcile its HelmRelease.`,
      commands: [`kubectl -n ${namespace} get services --show-labels`, `kubectl -n ${namespace} get endpointslices`],
      severity: "failure",
      retryable: false,
      pods: ownPods.map(referenceOf),
    };
    return { state: "not-serving", detail: problem.reason, problems: [problem] };
  }

  const problems: RoutingProblem[] = [];
  let ready = 0;
  for (const key of keys) {
    const [, namespace = "", name = ""] = key.split("/");
    const service = services.get(key);
    const slices = slicesByService.get(key) ?? [];
    const endpoints = slices.flatMap(endpointsOf);
    const target = (e: SliceEndpoint): KubeObject | undefined =>
      e.targetRef?.kind === "Pod" && e.targetRef.name ? pods.get(`Pod/${e.targetRef.namespace ?? namespace}/${e.targetRef.name}`) : undefined;
    const readyEndpoints = endpoints.filter(isReady);
    // A ready endpoint counts when it is the component's own pod (or a pod this snapshot does not hold).
    const ownReady = readyEndpoints.filter((e) => {
      const pod = target(e);
      return !pod || !inputs.components.has(objectKey(pod)) || owned(pod);
    });
    if (ownReady.length > 0) {
      ready += ownReady.length;
      continue;
    }
    problems.push(diagnose({ component, namespace, name, service, endpoints, readyEndpoints, target, ownPods, pods: sortedPods, eventsByObject: inputs.eventsByObject }));
  }
  if (problems.length > 0) return { state: "not-serving", detail: problems[0]!.reason, problems };
  const shown = keys.map((k) => k.slice("Service/".length)).join(", ");
  return { state: "serving", detail: `${plural(ready, "ready endpoint")} behind Service ${shown}` };
}

interface Diagnosis {
  readonly component: string;
  readonly namespace: string;
  readonly name: string;
  readonly service: KubeObject | undefined;
  readonly endpoints: readonly SliceEndpoint[];
  readonly readyEndpoints: readonly SliceEndpoint[];
  readonly target: (endpoint: SliceEndpoint) => KubeObject | undefined;
  readonly ownPods: readonly KubeObject[];
  readonly pods: readonly KubeObject[];
  readonly eventsByObject: ReadonlyMap<string, StatusEvent[]>;
}

/** Why a Service has no ready endpoint of its component: the cases an operator meets, each with what to run. */
function diagnose(d: Diagnosis): RoutingProblem {
  const { component, namespace, name } = d;
  const ref: ObjectReference = { kind: "Service", namespace, name };
  const head = `Service ${namespace}/${name} has no ready endpoint`;
  const look = [`kubectl -n ${namespace} get endpointslices -l kubernetes.io/service-name=${name} -o wide`, `kubectl -n ${namespace} describe service ${name}`];
  const selector = d.service ? selectorOf(d.service) : {};
  const base = { object: ref, error: null, evidence: null, severity: "failure" as const };
  const reconcile = reconcileCommand(d.service);
  const thenReconcile = reconcile ? `, then run: ${reconcile}` : ", then reconcile its HelmRelease";

  // Not ready pods: the readiness probe's own words when the kubelet reported them.
  const notReady = (candidates: readonly KubeObject[], counted: string): RoutingProblem => {
    const probe = candidates.map((pod) => ({ pod, event: readinessFailure(pod, d.eventsByObject) })).find((c) => c.event);
    const pod = probe?.pod ?? candidates[0];
    const why = probe ? `: ${probe.event!.message}` : pod ? ` (pod ${pod.metadata.name}: ${conditionOf(pod, "Ready")?.message || "not ready"})` : "";
    return {
      ...base,
      reason: `${head}: ${counted} not ready${pod ? `; pod ${pod.metadata.name} fails its readiness check` : ""}${why}`,
      error: probe?.event?.message ?? null,
      evidence: probe?.event ?? null,
      nextAction: `Read why ${component} does not pass its readiness probe (the pod's logs and events); it takes traffic again as soon as the probe passes.`,
      commands: [...look, ...(pod ? [`kubectl -n ${namespace} describe pod ${pod.metadata.name}`, `kubectl -n ${namespace} logs ${pod.metadata.name} --all-containers --tail=100`] : [])],
      retryable: true,
      pods: candidates.map(referenceOf),
    };
  };

  if (d.endpoints.length > 0) {
    if (d.readyEndpoints.length > 0) {
      // Ready, but someone else's pods: the selector matches the wrong workload.
      const others = [...new Set(d.readyEndpoints.map((e) => d.target(e)).filter((p): p is KubeObject => p !== undefined).map((p) => `${p.metadata.name}`))].sort();
      return {
        ...base,
        reason: `${head} of ${component}: its selector ${formatLabels(selector) || "(none)"} picks other pods (${others.join(", ")})`,
        nextAction: `Fix the Service's selector (or the pod labels) in the chart that renders ${component} so it selects ${component}'s pods${thenReconcile}`,
        commands: [...look, `kubectl -n ${namespace} get pods --show-labels`, ...(reconcile ? [reconcile] : [])],
        retryable: false,
        pods: d.readyEndpoints.map((e) => d.target(e)).filter((p): p is KubeObject => p !== undefined).map(referenceOf),
      };
    }
    const targets = [...new Set(d.endpoints.map((e) => d.target(e)).filter((p): p is KubeObject => p !== undefined))];
    if (d.endpoints.every((e) => e.conditions?.terminating === true)) {
      return {
        ...base,
        reason: `${head}: its only ${plural(d.endpoints.length, "endpoint")} ${d.endpoints.length === 1 ? "is a pod" : "are pods"} being deleted${targets.length ? ` (${targets.map((p) => p.metadata.name).sort().join(", ")})` : ""}, and no ready pod has taken ${d.endpoints.length === 1 ? "its" : "their"} place`,
        nextAction: `Wait for ${component}'s replacement pod to become ready; if none is starting, look at the Deployment's events.`,
        commands: [...look, `kubectl -n ${namespace} get pods -o wide`],
        retryable: true,
        pods: targets.map(referenceOf),
      };
    }
    return notReady(targets.filter((p) => !p.metadata.deletionTimestamp), `its ${plural(d.endpoints.length, "endpoint")} ${d.endpoints.length === 1 ? "is" : "are"}`);
  }

  // No endpoint at all (no slice, or only the controller's empty placeholder).
  if (!d.service) {
    return {
      ...base,
      reason: `${head}: no EndpointSlice lists an endpoint for it`,
      nextAction: `Check that the Service exists and selects ${component}'s pods.`,
      commands: [...look, `kubectl -n ${namespace} get pods --show-labels`],
      retryable: false,
      pods: d.ownPods.map(referenceOf),
    };
  }
  if (Object.keys(selector).length === 0) {
    return {
      ...base,
      reason: `${head}: it has no selector, and no EndpointSlice lists an endpoint for it`,
      nextAction: `Give the Service a selector for ${component}'s pods in the chart that renders it${thenReconcile}`,
      commands: [...look, ...(reconcile ? [reconcile] : [])],
      retryable: false,
      pods: d.ownPods.map(referenceOf),
    };
  }
  const matching = d.pods.filter((p) => p.metadata.namespace === namespace && live(p) && matchesSelector(p, selector));
  if (matching.length === 0) {
    const own = d.ownPods.find((p) => p.metadata.namespace === namespace);
    const labels = own?.metadata.labels ?? {};
    // What the component's pod carries under the selector's keys (or, when it has none of them, its labels).
    const shared = Object.fromEntries(Object.keys(selector).filter((k) => k in labels).map((k) => [k, labels[k]!]));
    const carried = Object.keys(shared).length > 0 ? shared : Object.fromEntries(Object.entries(labels).filter(([k]) => k !== "pod-template-hash"));
    return {
      ...base,
      reason: `${head}: its selector ${formatLabels(selector)} matches no pod in ${namespace}${own ? `; ${component}'s pod ${own.metadata.name} carries ${formatLabels(carried) || "no labels"}` : ""}`,
      nextAction: `The Service selects labels no ${component} pod has: fix the selector or the pod labels in the chart that renders ${component} (a values override, or a chart and image that disagree)${thenReconcile}`,
      commands: [...look, `kubectl -n ${namespace} get pods -l ${selectorArgument(selector)}`, `kubectl -n ${namespace} get pods --show-labels`, ...(reconcile ? [reconcile] : [])],
      retryable: false,
      pods: own ? [referenceOf(own)] : [],
    };
  }
  const readyPods = matching.filter((p) => podReady(p) && !p.metadata.deletionTimestamp);
  if (readyPods.length === 0) return notReady(matching, `the ${plural(matching.length, "pod")} it selects ${matching.length === 1 ? "is" : "are"}`);
  return {
    ...base,
    reason: `${head} yet: ${plural(readyPods.length, "ready pod")} ${readyPods.length === 1 ? "matches" : "match"} its selector, but no EndpointSlice lists ${readyPods.length === 1 ? "it" : "them"}`,
    nextAction: "Wait a moment: the EndpointSlice controller publishes ready pods within seconds. If this persists, read the k3s server log (journalctl -u k3s) for endpointslice controller errors.",
    commands: [...look, `kubectl -n ${namespace} get pods -l ${selectorArgument(selector)} -o wide`],
    severity: "warning",
    retryable: true,
    pods: readyPods.map(referenceOf),
  };
}
