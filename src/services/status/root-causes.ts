import type { ObjectStatus } from "../../../schemas/status.js";
import type { GraphNode } from "./dependency-graph.js";

const NOT_READY: ReadonlySet<ObjectStatus> = new Set(["InProgress", "Failed", "Terminating"]);

function isNotReady(status: ObjectStatus): boolean {
  return NOT_READY.has(status);
}

/**
 * Walks from every object that is not ready down what it needs, to the first objects that are
 * not ready although everything they need is. Returns each such root cause with the objects that
 * are not ready only because of it (its symptoms), both sorted by key so output is deterministic.
 */
export function findRootCauses(nodes: ReadonlyMap<string, GraphNode>, statusOf: (key: string) => ObjectStatus): Map<string, string[]> {
  const memo = new Map<string, readonly string[]>();
  const onPath = new Set<string>();

  const rootsOf = (key: string): readonly string[] => {
    const cached = memo.get(key);
    if (cached) return cached;
    if (!isNotReady(statusOf(key))) return [];
    onPath.add(key);
    const roots = new Set<string>();
    for (const needed of [...nodes.get(key)!.needs].sort()) {
      // A cycle (misconfigured dependsOn) is not followed twice; the object then counts as its own root.
      if (onPath.has(needed)) continue;
      for (const root of rootsOf(needed)) roots.add(root);
    }
    onPath.delete(key);
    const result = roots.size === 0 ? [key] : [...roots].sort();
    memo.set(key, result);
    return result;
  };

  const symptomsByRoot = new Map<string, string[]>();
  for (const key of [...nodes.keys()].sort()) {
    for (const root of rootsOf(key)) {
      const symptoms = symptomsByRoot.get(root) ?? [];
      if (root !== key) symptoms.push(key);
      symptomsByRoot.set(root, symptoms);
    }
  }
  return symptomsByRoot;
}
