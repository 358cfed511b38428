import type { ObjectReference, StatusEvent } from "../../../schemas/status.js";
import { conditionOf, objectKey, parseTime, type KubeObject } from "./cluster-snapshot.js";
import { containerStatusesOf } from "./object-status.js";

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
export function eventTime(event: KubeObject): number | undefined {
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

/**
 * Everything an object says about itself that a recogniser can read, newest first: its events,
 * its containers' waiting and termination messages (terminationMessagePolicy FallbackToLogsOnError
 * puts the last log lines there), and its Ready/Stalled condition messages.
 */
export function signalsOf(object: KubeObject, eventsByObject: ReadonlyMap<string, StatusEvent[]>): StatusEvent[] {
  const ref = referenceOf(object);
  const signals: StatusEvent[] = [...(eventsByObject.get(objectKey(object)) ?? [])];
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
    if (message) signals.push({ time: toIso(time), type: "Warning", reason, message: message.trim(), object: ref, count: 1 });
  };
  if (object.kind === "Pod") {
    for (const container of containerStatusesOf(object)) {
      synthetic(container.state?.waiting?.reason ?? "Waiting", container.state?.waiting?.message, undefined);
      synthetic(container.state?.terminated?.reason ?? "Terminated", container.state?.terminated?.message, undefined);
      synthetic(container.lastState?.terminated?.reason ?? "Terminated", container.lastState?.terminated?.message, undefined);
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
