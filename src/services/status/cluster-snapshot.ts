import { UserError } from "../../errors.js";

/** The parts of a Kubernetes object the classifier reads. Everything else is kept but ignored. */
export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  // The shape differs per kind; readers below narrow what they use.
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [field: string]: unknown;
}

/** A cluster snapshot: the items of a Kubernetes `List`, as `kubectl get … -A -o json` prints it. */
export interface ClusterSnapshot {
  readonly items: readonly KubeObject[];
  /**
   * The kinds read in full (live mode lists each kind cluster-wide). Absent for a snapshot file:
   * a kind then counts as read when any item of it is there (a `kubectl get endpointslices -A`
   * always holds the API server's own `default/kubernetes` slice).
   */
  readonly listedKinds?: readonly string[];
}

/** Whether a snapshot holds a kind completely, so that no object of it means there is none. */
export function holdsKind(snapshot: ClusterSnapshot, kind: string): boolean {
  return snapshot.listedKinds ? snapshot.listedKinds.includes(kind) : snapshot.items.some((item) => item.kind === kind);
}

/**
 * Reads a `kubectl get … -o json` document. Bad input names the file, the item and the field, so
 * the operator can see which object of a hand-made or truncated snapshot is wrong.
 */
export function parseClusterSnapshot(text: string, file: string): ClusterSnapshot {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not JSON (${(error as Error).message}); write it with kubectl get nodes,pods,events,… -A -o json > ${file}`);
  }
  const items = (document as { items?: unknown })?.items;
  if (!document || typeof document !== "object" || !Array.isArray(items)) {
    throw new UserError(`${file}: items: expected a Kubernetes List with an items array, as kubectl get … -A -o json prints it`);
  }
  items.forEach((item, index) => {
    const object = item as Partial<KubeObject> | null;
    if (!object || typeof object !== "object") throw new UserError(`${file}: items[${index}]: expected an object`);
    if (typeof object.kind !== "string" || object.kind === "") {
      throw new UserError(`${file}: items[${index}].kind: missing; every item needs its kind (kubectl -o json writes it)`);
    }
    if (typeof object.metadata?.name !== "string" || object.metadata.name === "") {
      throw new UserError(`${file}: items[${index}].metadata.name: missing on a ${object.kind}`);
    }
  });
  return { items: items as KubeObject[] };
}

/** `Kind/namespace/name`: a stable key for maps and for deterministic ordering. */
export function objectKey(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** A condition of an object's status, by type. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function conditionOf(object: KubeObject, type: string): Condition | undefined {
  const conditions = object.status?.["conditions"];
  return Array.isArray(conditions) ? (conditions as Condition[]).find((condition) => condition.type === type) : undefined;
}

/** Milliseconds since the epoch, or undefined for a missing or unparsable time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
