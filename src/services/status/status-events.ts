import type { ObjectReference, StatusEvent } from "../../../schemas/status.js";
import { conditionOf, objectKey, parseTime, type KubeObject } from "./cluster-snapshot.js";
import { NODE_PRESSURES, containerStatusesOf, describeTermination } from "./object-status.js";

export function referenceOf(object: KubeObject): ObjectReference {
  return { kind: object.kind, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}), name: object.metadata.name };
}

export function referenceKey(ref: ObjectReference): string {
  return `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

function toIso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** When a core/v1 Event was last seen (events.k8s.io writers set only eventTime or series). */
function eventTime(event: KubeObject): number | undefined {
  const series = event["series"] as { lastObservedTime?: string } | undefined;
  return parseTime(event["lastTimestamp"]) ?? parseTime(series?.lastObservedTime) ?? parseTime(event["eventTime"]) ?? parseTime(event["firstTimestamp"]) ?? parseTime(event.metadata.creationTimestamp);
}

/** A core/v1 Event as the status shows it. */
export function toStatusEvent(event: KubeObject): StatusEvent {
  const involved = (event["involvedObject"] ?? event["regarding"] ?? {}) as { kind?: string; name?: string; namespace?: string };
  return {
    time: toIso(eventTime(event)),
    type: typeof event["type"] === "string" ? (event["type"] as string) : "Normal",
    reason: typeof event["reason"] === "string" ? (event["reason"] as string) : "",
    message: typeof event["message"] === "string" ? (event["message"] as string).trim() : "",
    object: { kind: involved.kind ?? "Unknown", ...(involved.namespace ? { namespace: involved.namespace } : {}), name: involved.name ?? "unknown" },
    count: typeof event["count"] === "number" ? (event["count"] as number) : 1,
  };
}

/** Newest first; ties broken by object and reason so the order never depends on input order. */
export function compareEventsNewestFirst(a: StatusEvent, b: StatusEvent): number {
  const ta = a.time ?? "";
  const tb = b.time ?? "";
  if (ta !== tb) return ta < tb ? 1 : -1;
  const ka = `${referenceKey(a.object)}|${a.reason}|${a.message}`;
  const kb = `${referenceKey(b.object)}|${b.reason}|${b.message}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Events grouped by the object they are about. */
export function indexEvents(events: readonly StatusEvent[]): Map<string, StatusEvent[]> {
  const byObject = new Map<string, StatusEvent[]>();
  for (const event of events) {
    const key = referenceKey(event.object);
    const list = byObject.get(key) ?? [];
    list.push(event);
    byObject.set(key, list);
  }
  for (const list of byObject.values()) list.sort(compareEventsNewestFirst);
  return byObject;
}

const SYNTHETIC = new WeakSet<StatusEvent>();
/** Events per object a recogniser reads, newest first. */
const SIGNAL_EVENTS = 50;

/** True for a signal read from the object's own status (a container's state, a condition), not a Kubernetes Event. */
export function isSynthetic(signal: StatusEvent): boolean {
  return SYNTHETIC.has(signal);
}

/**
 * Everything an object says about itself that a recogniser can read, newest first: its events,
 * its containers' waiting and termination messages (terminationMessagePolicy FallbackToLogsOnError
 * puts the last log lines there), and its Ready/Stalled condition messages.
 */
export function signalsOf(object: KubeObject, eventsByObject: ReadonlyMap<string, StatusEvent[]>): StatusEvent[] {
  const ref = referenceOf(object);
  // The newest events say what is happening now; a pod with thousands of repeats need not be read thousands of times.
  const signals: StatusEvent[] = (eventsByObject.get(objectKey(object)) ?? []).slice(0, SIGNAL_EVENTS);
  if (object.kind === "Deployment") {
    // The status does not list ReplicaSets, but their events (FailedCreate: quota, Pod Security
    // rejections) are why a Deployment has no pods: they belong to the Deployment's signals.
    const prefix = `ReplicaSet/${object.metadata.namespace ?? ""}/${object.metadata.name}-`;
    for (const [key, events] of eventsByObject) {
      if (key.startsWith(prefix) && !key.slice(prefix.length).includes("-")) signals.push(...events);
    }
    signals.sort(compareEventsNewestFirst);
  }
  const synthetic = (reason: string, message: string | undefined, time: number | undefined): void => {
    if (!message) return;
    const signal: StatusEvent = { time: toIso(time), type: "Warning", reason, message: message.trim(), object: ref, count: 1 };
    SYNTHETIC.add(signal);
    signals.push(signal);
  };
  if (object.kind === "Pod") {
    for (const container of containerStatusesOf(object)) {
      synthetic(container.state?.waiting?.reason ?? "Waiting", container.state?.waiting?.message, undefined);
      const terminated = container.state?.terminated;
      if (terminated && terminated.exitCode !== 0) synthetic(terminated.reason ?? "Terminated", describeTermination(terminated), undefined);
      const last = container.lastState?.terminated;
      if (last && last.exitCode !== 0) synthetic(last.reason ?? "Terminated", describeTermination(last), undefined);
    }
    if (object.status?.["phase"] === "Failed") synthetic((object.status?.["reason"] as string | undefined) ?? "Failed", object.status?.["message"] as string | undefined, undefined);
  }
  if (object.kind === "Node") {
    for (const type of NODE_PRESSURES) {
      const condition = conditionOf(object, type);
      if (condition?.status === "True") synthetic(condition.reason ?? type, `${type}: ${condition.message ?? condition.reason ?? "True"}`, parseTime(condition.lastTransitionTime));
    }
  }
  for (const type of ["Stalled", "Ready", "Failed", "Progressing", "ReplicaFailure"]) {
    const condition = conditionOf(object, type);
    if (condition && condition.status !== (type === "Ready" || type === "Progressing" ? "True" : "False")) {
      synthetic(condition.reason ?? type, condition.message, parseTime(condition.lastTransitionTime));
    }
  }
  return signals;
}

/** Normal events that say a step succeeded after any earlier failure of it. */
const SUCCESS_REASONS = new Set(["Pulled", "Created", "Started", "Scheduled", "ProvisioningSucceeded", "SuccessfulAttachVolume", "SuccessfulCreate", "Completed", "ReconciliationSucceeded", "InstallSucceeded", "UpgradeSucceeded", "NewArtifact", "ArtifactUpToDate"]);

/**
 * An object's signals without the Warning events a later success made history (a pull that
 * failed once and then succeeded); signals read from the object's status are always current.
 */
export function currentSignals(signals: readonly StatusEvent[]): StatusEvent[] {
  const lastSuccess = signals.find((s) => !SYNTHETIC.has(s) && s.type === "Normal" && s.time !== null && SUCCESS_REASONS.has(s.reason))?.time ?? null;
  if (lastSuccess === null) return [...signals];
  return signals.filter((s) => SYNTHETIC.has(s) || s.type !== "Warning" || (s.time !== null && s.time > lastSuccess));
}
