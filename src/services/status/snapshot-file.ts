import { parseClusterSnapshot } from "./cluster-snapshot.js";
import { readSnapshotText } from "./status-inputs.js";
import type { SnapshotCollector } from "./status-poller.js";

/** A snapshot file as the source: read and checked once, re-classified on every refresh so elapsed times move. */
export function snapshotFileCollector(file: string): SnapshotCollector {
  const snapshot = parseClusterSnapshot(readSnapshotText(file), file);
  return { description: `snapshot ${file}`, collect: async () => ({ snapshot, accessErrors: [] }) };
}
