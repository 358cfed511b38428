import type { ObjectStatus } from "../../../schemas/status.js";
import { conditionOf, parseTime, type KubeObject } from "./cluster-snapshot.js";

/** An object's status, its message, and since when it has been in that state (for "stuck" warnings). */
export interface ObjectStatusResult {
  readonly status: ObjectStatus;
  readonly message: string;
  /** Milliseconds since the epoch; undefined when the object does not say. */
  readonly since: number | undefined;
}

/** Flux kinds: readiness comes from the Ready/Reconciling/Stalled conditions. */
export const FLUX_KINDS = new Set(["Kustomization", "HelmRelease", "OCIRepository", "HelmRepository", "GitRepository", "HelmChart", "Bucket"]);

/**
 * Container waiting reasons after which the kubelet will not get the pod running on its own.
 * (ImagePullBackOff is retried by the kubelet, but only after the recognisers have named why it
 * failed; the rollup decides from the recognised cause whether waiting helps.)
 */
const FAILED_WAITING_REASONS = new Set([
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "InvalidImageName",
  "ErrImageNeverPull",
  "RunContainerError",
  "ImagePullBackOff",
  "ErrImagePull",
]);

const result = (status: ObjectStatus, message: string, since: number | undefined): ObjectStatusResult => ({ status, message, since });

function created(object: KubeObject): number | undefined {
  return parseTime(object.metadata.creationTimestamp);
}

/**
 * kstatus-style status of one object (kubernetes-sigs/cli-utils pkg/kstatus): Terminating when
 * deleted, InProgress while the controller has not observed the latest generation or replicas
 * are missing, Failed on a terminal condition, Current when it is what was asked for.
 * One deliberate difference: a pod in phase Failed is Failed here (kstatus calls it Current,
 * "completed, but not successfully"), because a failed bootstrap attempt is evidence; attempts a
 * newer Job or a ready workload made irrelevant are set aside by superseded-objects.ts.
 */
export function computeObjectStatus(object: KubeObject): ObjectStatusResult {
  if (object.metadata.deletionTimestamp) {
    return result("Terminating", `${object.kind} is being deleted`, parseTime(object.metadata.deletionTimestamp));
  }
  const generation = object.metadata.generation;
  const observed = object.status?.["observedGeneration"];
  if (typeof generation === "number" && typeof observed === "number" && observed < generation) {
    return result("InProgress", `generation ${generation} not yet observed (controller is at ${observed})`, created(object));
  }
  if (FLUX_KINDS.has(object.kind)) return fluxStatus(object);
  switch (object.kind) {
    case "Deployment":
      return deploymentStatus(object);
    case "StatefulSet":
      return statefulSetStatus(object);
    case "Job":
      return jobStatus(object);
    case "Pod":
      return podStatus(object);
    case "PersistentVolumeClaim":
      return pvcStatus(object);
    case "Node":
      return nodeStatus(object);
    default:
      return genericStatus(object);
  }
}

/** Flux's give-up messages say only that it gave up; the Ready condition keeps the error that made it. */
const GENERIC_STALL = /retries exhausted|Failed to (install|upgrade) after \d+ attempt|remediation/i;

function fluxStatus(object: KubeObject): ObjectStatusResult {
  const ready = conditionOf(object, "Ready");
  const stalled = conditionOf(object, "Stalled");
  const reconciling = conditionOf(object, "Reconciling");
  const since = parseTime(ready?.lastTransitionTime) ?? created(object);
  if (stalled?.status === "True") {
    const message = stalled.message && !GENERIC_STALL.test(stalled.message) ? stalled.message : (ready?.message ?? stalled.message ?? "stalled");
    return result("Failed", message, since);
  }
  if (ready?.status === "True") return result("Current", ready.message ?? "ready", since);
  if (reconciling?.status === "True") {
    // A reconcile that already failed once says so on Ready while it retries.
    if (ready?.status === "False" && /Failed$/.test(ready.reason ?? "")) return result("Failed", ready.message ?? ready.reason ?? "not ready", since);
    return result("InProgress", reconciling.message ?? ready?.message ?? "reconciling", since);
  }
  if (!ready) return result("InProgress", "not reconciled yet", since);
  if (ready.status === "Unknown") return result("InProgress", ready.message ?? "reconciling", since);
  // Waiting for a dependency is progress; the dependency's own state says whether anything failed.
  if (ready.reason === "DependencyNotReady") return result("InProgress", ready.message ?? "waiting for a dependency", since);
  return result("Failed", ready.message ?? ready.reason ?? "not ready", since);
}

function replicaCount(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

function deploymentStatus(object: KubeObject): ObjectStatusResult {
  const wanted = replicaCount(object.spec?.["replicas"], 1);
  const status = object.status ?? {};
  const progressing = conditionOf(object, "Progressing");
  const available = conditionOf(object, "Available");
  const since = parseTime(available?.lastTransitionTime) ?? created(object);
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return result("Failed", progressing.message ?? "progress deadline exceeded", since);
  }
  const updated = replicaCount(status["updatedReplicas"], 0);
  const ready = replicaCount(status["readyReplicas"], 0);
  const availableReplicas = replicaCount(status["availableReplicas"], 0);
  const total = replicaCount(status["replicas"], 0);
  if (updated < wanted) return result("InProgress", `${updated} of ${wanted} replicas updated`, since);
  if (total > updated) return result("InProgress", `${total - updated} old replicas are pending termination`, since);
  if (availableReplicas < wanted) return result("InProgress", `${availableReplicas} of ${wanted} replicas available`, since);
  if (ready < wanted) return result("InProgress", `${ready} of ${wanted} replicas ready`, since);
  return result("Current", `${ready} of ${wanted} replicas ready`, since);
}

function statefulSetStatus(object: KubeObject): ObjectStatusResult {
  const wanted = replicaCount(object.spec?.["replicas"], 1);
  const status = object.status ?? {};
  const ready = replicaCount(status["readyReplicas"], 0);
  const since = created(object);
  if (ready < wanted) return result("InProgress", `${ready} of ${wanted} replicas ready`, since);
  const strategy = (object.spec?.["updateStrategy"] as { type?: string } | undefined)?.type ?? "RollingUpdate";
  if (strategy === "RollingUpdate" && status["updateRevision"] && status["currentRevision"] !== status["updateRevision"]) {
    return result("InProgress", "rolling update in progress", since);
  }
  return result("Current", `${ready} of ${wanted} replicas ready`, since);
}

function jobStatus(object: KubeObject): ObjectStatusResult {
  const complete = conditionOf(object, "Complete");
  const failed = conditionOf(object, "Failed");
  if (complete?.status === "True") return result("Current", "job completed", parseTime(complete.lastTransitionTime));
  if (failed?.status === "True") {
    return result("Failed", failed.message ?? failed.reason ?? "job failed", parseTime(failed.lastTransitionTime) ?? created(object));
  }
  const active = replicaCount(object.status?.["active"], 0);
  return result("InProgress", active > 0 ? `job running (${active} active)` : "job waiting to start", parseTime(object.status?.["startTime"]) ?? created(object));
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  image?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; message?: string; exitCode?: number }; running?: unknown };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
}

/** Init containers first, as the kubelet runs them. */
export function containerStatusesOf(pod: KubeObject): ContainerStatus[] {
  const status = pod.status ?? {};
  return [...((status["initContainerStatuses"] as ContainerStatus[] | undefined) ?? []), ...((status["containerStatuses"] as ContainerStatus[] | undefined) ?? [])];
}

/** "OOMKilled (exit code 137)" plus the container's termination message, verbatim. */
export function describeTermination(terminated: { reason?: string; message?: string; exitCode?: number } | undefined): string | undefined {
  if (!terminated) return undefined;
  const head = `${terminated.reason ?? "Terminated"} (exit code ${terminated.exitCode ?? "unknown"})`;
  return terminated.message?.trim() ? `${head}: ${terminated.message.trim()}` : head;
}

function podStatus(object: KubeObject): ObjectStatusResult {
  const phase = object.status?.["phase"] as string | undefined;
  const readyCondition = conditionOf(object, "Ready");
  const since = parseTime(readyCondition?.lastTransitionTime) ?? created(object);
  if (phase === "Succeeded") return result("Current", "pod completed", since);
  const containers = containerStatusesOf(object);
  if (phase === "Failed") {
    const message = object.status?.["message"] as string | undefined;
    const failed = containers.find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0);
    const termination = failed ? `container ${failed.name}: ${describeTermination(failed.state!.terminated)}` : undefined;
    return result("Failed", message ?? termination ?? `pod failed${object.status?.["reason"] ? `: ${object.status["reason"]}` : ""}`, since);
  }
  for (const container of containers) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && FAILED_WAITING_REASONS.has(waiting.reason)) {
      const last = container.lastState?.terminated;
      const cause = waiting.reason === "CrashLoopBackOff" && last ? `; last exit: ${describeTermination(last)}` : "";
      return result("Failed", `container ${container.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}${cause}`, since);
    }
  }
  if (readyCondition?.status === "True") return result("Current", "pod ready", since);
  // A single-node appliance has nowhere else to schedule: unschedulable needs a person (kstatus
  // also reports it as Failed, after a 15 s grace period this pure function cannot measure).
  const scheduled = conditionOf(object, "PodScheduled");
  if (phase === "Pending" && scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return result("Failed", `unschedulable: ${scheduled.message ?? "no node fits"}`, since);
  }
  // Restarting after a crash (between CrashLoopBackOff waits) is a failure, not a start.
  const crashed = containers.find((c) => !c.ready && (c.restartCount ?? 0) >= 3 && c.lastState?.terminated && c.lastState.terminated.exitCode !== 0);
  if (crashed) return result("Failed", `container ${crashed.name} restarted ${crashed.restartCount} times; last exit: ${describeTermination(crashed.lastState!.terminated)}`, since);
  const waiting = containers.find((container) => container.state?.waiting?.reason)?.state?.waiting?.reason;
  if (phase === "Pending") return result("InProgress", waiting ? `pending: ${waiting}` : "pending", since);
  return result("InProgress", waiting ? `containers not ready: ${waiting}` : "containers not ready", since);
}

function pvcStatus(object: KubeObject): ObjectStatusResult {
  const phase = object.status?.["phase"];
  if (phase === "Bound") return result("Current", "bound", created(object));
  if (phase === "Lost") return result("Failed", "the claim lost its volume", created(object));
  return result("InProgress", "waiting for a volume", created(object));
}

/** Node conditions that are bad when True (kubelet sets them; the node then refuses or evicts pods). */
export const NODE_PRESSURES = ["DiskPressure", "MemoryPressure", "PIDPressure", "NetworkUnavailable"] as const;

function nodeStatus(object: KubeObject): ObjectStatusResult {
  const ready = conditionOf(object, "Ready");
  if (!ready) return result("Unknown", "node reports no Ready condition", created(object));
  const since = parseTime(ready.lastTransitionTime);
  if (ready.status !== "True") return result("Failed", `node not ready: ${ready.message ?? ready.reason ?? ready.status}`, since);
  for (const type of NODE_PRESSURES) {
    const condition = conditionOf(object, type);
    if (condition?.status === "True") return result("Failed", `${type}: ${condition.message ?? condition.reason ?? "True"}`, parseTime(condition.lastTransitionTime) ?? since);
  }
  if (object.spec?.["unschedulable"] === true) return result("Failed", "node is cordoned (spec.unschedulable): no new pod can start on it", since);
  return result("Current", "node ready", since);
}

function genericStatus(object: KubeObject): ObjectStatusResult {
  const ready = conditionOf(object, "Ready");
  if (ready) return fluxStatus(object);
  // kstatus treats an object without conditions whose generation has been observed as Current.
  return result("Current", "no conditions to wait for", created(object));
}
