import { parseTime } from "./cluster-snapshot.js";
import type { GraphNode } from "./dependency-graph.js";
import type { ObjectStatusResult } from "./object-status.js";

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "Job"]);

/**
 * Objects whose own failure no longer matters, with why:
 * - a Job followed by a newer Job of the same component (a forced reconcile created
 *   `…-bootstrap-r2` after `…-r1` timed out: r1's failure is history);
 * - a pod whose workload is Current or superseded (an evicted pod of a healthy Deployment, the
 *   failed attempts of a Job that then completed).
 * Reporting them would keep an appliance in "action required" after the action was taken.
 */
export function supersededObjects(nodes: ReadonlyMap<string, GraphNode>, statuses: ReadonlyMap<string, ObjectStatusResult>): Map<string, string> {
  const superseded = new Map<string, string>();
  const jobsByGroup = new Map<string, GraphNode[]>();
  for (const node of nodes.values()) {
    if (node.object.kind !== "Job") continue;
    const group = `${node.object.metadata.namespace ?? ""}/${node.component?.name ?? node.object.metadata.name.replace(/-r?[0-9]+$/, "")}`;
    jobsByGroup.set(group, [...(jobsByGroup.get(group) ?? []), node]);
  }
  for (const jobs of jobsByGroup.values()) {
    if (jobs.length < 2) continue;
    const newestFirst = [...jobs].sort((a, b) => {
      const ta = parseTime(a.object.metadata.creationTimestamp) ?? 0;
      const tb = parseTime(b.object.metadata.creationTimestamp) ?? 0;
      return tb - ta || (a.object.metadata.name < b.object.metadata.name ? 1 : -1);
    });
    const newest = newestFirst[0]!;
    for (const older of newestFirst.slice(1)) {
      if (statuses.get(older.key)?.status !== "Current") superseded.set(older.key, `superseded by the newer Job ${newest.object.metadata.name}`);
    }
  }
  for (const node of nodes.values()) {
    if (!WORKLOAD_KINDS.has(node.object.kind)) continue;
    const settled = statuses.get(node.key)?.status === "Current" || superseded.has(node.key);
    if (!settled) continue;
    for (const needed of node.needs) {
      const child = nodes.get(needed);
      if (child?.object.kind === "Pod" && statuses.get(needed)?.status !== "Current") {
        superseded.set(needed, `${node.object.kind} ${node.object.metadata.name} is ${superseded.has(node.key) ? "superseded" : "ready"} without it`);
      }
    }
  }
  return superseded;
}
