import type { ActiveOperation, StatusEvent } from "../../../schemas/status.js";
import type { ApplianceComponent } from "./appliance-components.js";
import type { KubeObject } from "./cluster-snapshot.js";
import { containerStatusesOf } from "./object-status.js";
import { referenceOf } from "./status-events.js";

const PULL_PROGRESS_NOTE =
  "Kubernetes reports only that a pull started and when it ended, not how many bytes have arrived; the first install pulls the ~1.8 GB core image, which took about 16 minutes on a slow line.";

const PULLING = /^Pulling image "([^"]+)"/;
const PULL_ENDED = /image "([^"]+)"/;

/**
 * Image pulls still running: a pod whose latest kubelet event for an image is "Pulling" (no
 * "Pulled" or "Failed" after it) and which has containers still waiting to be created.
 */
export function activeImagePulls(
  pod: KubeObject,
  component: ApplianceComponent,
  podEventsNewestFirst: readonly StatusEvent[],
  now: number,
): ActiveOperation[] {
  const waiting = containerStatusesOf(pod).some((c) => ["ContainerCreating", "PodInitializing"].includes(c.state?.waiting?.reason ?? ""));
  const phase = pod.status?.["phase"];
  if (!waiting && phase !== "Pending") return [];
  const settled = new Set<string>();
  const operations: ActiveOperation[] = [];
  for (const event of podEventsNewestFirst) {
    const pulling = PULLING.exec(event.message);
    if (event.reason === "Pulling" && pulling) {
      const image = pulling[1]!;
      if (settled.has(image) || !event.time) continue;
      settled.add(image);
      operations.push({
        kind: "image-pull",
        component: component.name,
        tier: component.tier,
        image,
        pod: referenceOf(pod),
        startedAt: event.time,
        elapsedSeconds: Math.max(0, Math.floor((now - Date.parse(event.time)) / 1000)),
        progressAvailable: false,
        progressNote: PULL_PROGRESS_NOTE,
      });
    } else if (["Pulled", "Failed", "BackOff", "ErrImagePull"].includes(event.reason)) {
      const ended = PULL_ENDED.exec(event.message);
      if (ended) settled.add(ended[1]!);
    }
  }
  return operations;
}
