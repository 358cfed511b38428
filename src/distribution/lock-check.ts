import type { ReleaseLock } from "../../schemas/release-lock.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { lookUpReferences, type ReferenceLookup, type ReferenceStatus } from "./look-up-references.js";
import type { ReferenceRegistries } from "./reference-registries.js";

export interface LockDrift {
  readonly reference: string;
  readonly locked?: string;
  readonly current?: string;
  readonly problem: "moved" | "not-locked" | Exclude<ReferenceStatus, "present">;
  readonly detail?: string;
}

/**
 * Re-resolves every tag of the release and compares it with the lock: a tag that now names another
 * digest has moved (CI should fail, and someone should decide whether to re-lock).
 */
export async function checkLock(
  lock: ReleaseLock,
  references: readonly ReleaseReference[],
  options: { registries: ReferenceRegistries; concurrency?: number; progress?: (message: string) => void },
): Promise<{ drift: LockDrift[]; lookups: ReferenceLookup[] }> {
  const lookups = await lookUpReferences(references, {
    registries: options.registries,
    by: "tag",
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const locked = new Map([...lock.images, ...lock.charts].map((entry) => [entry.reference, entry.digest]));
  const drift: LockDrift[] = [];
  for (const lookup of lookups) {
    const reference = lookup.reference.reference;
    const digest = locked.get(reference);
    if (digest === undefined) drift.push({ reference, problem: "not-locked", ...(lookup.descriptor ? { current: lookup.descriptor.digest } : {}) });
    else if (lookup.status !== "present") drift.push({ reference, locked: digest, problem: lookup.status, ...(lookup.detail ? { detail: lookup.detail } : {}) });
    else if (lookup.descriptor!.digest !== digest) drift.push({ reference, locked: digest, current: lookup.descriptor!.digest, problem: "moved" });
  }
  return { drift, lookups };
}
